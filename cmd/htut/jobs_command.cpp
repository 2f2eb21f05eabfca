// htut jobs dead | retry SLUG|--all | purge: the dead-lettered jobs
// (countwords.dead) for operators, see docs/operations.md "Failed jobs".
// Wiring only: the queue work is queue::DeadLetters, the rows db::Documents.
#include <ctime>
#include <iostream>
#include <optional>
#include <string>

#include "cmd/htut/commands.hpp"
#include "config/config.hpp"
#include "db/documents.hpp"
#include "db/pool.hpp"
#include "queue/dead_letters.hpp"
#include "queue/job.hpp"
#include "queue/message.hpp"
#include "queue/publisher.hpp"
#include "queue/topology.hpp"

namespace htut::cmd {
namespace {

constexpr const char* jobs_usage = "usage: htut jobs dead | retry SLUG|--all | purge [--env-file PATH]";

std::string rfc3339(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

// When it was dead-lettered: our timestamp, else the broker's x-death time.
std::string when_of(const queue::DeadLetter& d) {
  if (d.timestamp) return rfc3339(*d.timestamp);
  if (auto t = queue::header(d.headers, "x-death.time"); t && !t->empty()) {
    try {
      return rfc3339(std::stoll(*t));
    } catch (const std::exception&) {
    }
  }
  return "-";
}

// One line, no control characters (a poison message may carry anything).
std::string one_line(std::string text, std::size_t max = 300) {
  if (text.size() > max) text = text.substr(0, max) + "...";
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return text;
}

std::string why_of(const queue::DeadLetter& d, const Result<queue::Job>& job) {
  if (auto e = queue::header(d.headers, queue::kErrorHeader)) return one_line(*e);
  if (!job) return one_line(job.error().message);
  auto reason = queue::header(d.headers, "x-death.reason");
  return "dead-lettered by the broker (" + (reason ? *reason : std::string("no reason given")) + ")";
}

int list_dead(const config::Config& cfg) {
  queue::ConnectOptions amqp;
  amqp.connection_name = "jobs";
  queue::DeadLetters dead(cfg.amqp_url, amqp);
  int n = 0;
  auto walked = dead.each([&](const queue::DeadLetter& d) -> Result<queue::DeadLetters::Action> {
    auto job = queue::parse_job(d.body);
    std::string slug = job ? job->document_slug : "-";
    std::cout << one_line(slug, 200) << "\t" << when_of(d) << "\t" << why_of(d, job) << "\n";
    ++n;
    return queue::DeadLetters::Action::keep;
  });
  if (!walked) {
    std::cerr << "htut jobs: " << walked.error().message << "\n";
    return 1;
  }
  std::cerr << n << " dead-lettered job" << (n == 1 ? "" : "s") << "\n";
  return 0;
}

int retry_dead(const config::Config& cfg, const std::optional<std::string>& only_slug) {
  db::Pool pool(cfg.database_url, 1);
  db::Documents documents(pool);
  queue::ConnectOptions amqp;
  amqp.connection_name = "jobs publisher";
  queue::Publisher publisher(cfg.amqp_url, amqp);
  amqp.connection_name = "jobs";
  queue::DeadLetters dead(cfg.amqp_url, amqp);
  int retried = 0, dropped = 0, skipped = 0;
  using Action = queue::DeadLetters::Action;
  auto walked = dead.each([&](const queue::DeadLetter& d) -> Result<Action> {
    auto job = queue::parse_job(d.body);
    if (!job) {
      if (!only_slug) ++skipped;  // names no document: it would only die again
      return Action::keep;
    }
    if (only_slug && job->document_slug != *only_slug) return Action::keep;
    auto row = documents.find(job->document_slug, job->time_uploaded);
    if (!row) return row.error();
    if (!*row) {
      std::cout << "skipped " << job->document_slug << ": no such document (it stays dead)\n";
      ++skipped;
      return Action::keep;
    }
    if ((*row)->status == "done") {
      std::cout << "dropped " << job->document_slug << ": already counted\n";
      ++dropped;
      return Action::drop;
    }
    if ((*row)->status == "failed") {
      auto reset = documents.reset_failed(job->document_slug, job->time_uploaded);
      if (!reset) return reset.error();
    }
    queue::Message again;
    again.queue = queue::kJobQueue;
    again.body = d.body;
    if (auto s = publisher.send(again, std::chrono::seconds(10)); !s) return s.error();
    std::cout << "retried " << job->document_slug << " (" << job->time_uploaded << ")\n";
    ++retried;
    return Action::drop;
  });
  if (!walked) {
    std::cerr << "htut jobs: " << walked.error().message << "\n";
    return 1;
  }
  std::cerr << retried << " retried, " << dropped << " dropped as already counted, " << skipped
            << " left in the dead-letter queue\n";
  if (only_slug && retried + dropped == 0) {
    std::cerr << "htut jobs: no dead-lettered job for " << *only_slug << "\n";
    return 1;
  }
  return 0;
}

int purge_dead(const config::Config& cfg) {
  queue::ConnectOptions amqp;
  amqp.connection_name = "jobs";
  queue::DeadLetters dead(cfg.amqp_url, amqp);
  auto purged = dead.purge();
  if (!purged) {
    std::cerr << "htut jobs: " << purged.error().message << "\n";
    return 1;
  }
  std::cout << "purged " << *purged << " dead-lettered job" << (*purged == 1 ? "" : "s") << "\n";
  return 0;
}

}  // namespace

int jobs_main(const Args& args) {
  if (args.empty()) {
    std::cerr << jobs_usage << "\n";
    return 2;
  }
  const std::string& what = args[0];
  bool retry = what == "retry";
  if (!((what == "dead" || what == "purge") && args.size() == 1) && !(retry && args.size() == 2)) {
    std::cerr << "htut jobs: unexpected arguments\n" << jobs_usage << "\n";
    return 2;
  }
  config::Needs needs;
  needs.amqp = true;
  needs.database = retry;  // the document returns to pending
  config::Config cfg;
  try {
    cfg = config::load(needs);
  } catch (const config::ConfigError& e) {
    std::cerr << "htut jobs: " << e.what() << "\n";
    return 1;
  }
  if (!load_libraries("jobs", cfg, needs)) return 1;
  try {
    if (what == "dead") return list_dead(cfg);
    if (what == "purge") return purge_dead(cfg);
    return retry_dead(cfg, args[1] == "--all" ? std::nullopt : std::optional<std::string>(args[1]));
  } catch (const std::exception& e) {
    std::cerr << "htut jobs: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace htut::cmd
