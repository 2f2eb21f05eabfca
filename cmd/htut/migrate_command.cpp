// htut migrate: brings the database schema to the version embedded in this
// binary (see docs/database.md) and, when CLOUDAMQP_URL is set, the broker's
// queues to what htut declares (docs/queue.md). Both happen under the same
// advisory lock, so two releases never race. Wiring only; the work is
// db::migrate() and queue::upgrade_topology().
#include <cstdlib>
#include <iostream>

#include "cmd/htut/commands.hpp"
#include "common/embedded.hpp"
#include "config/config.hpp"
#include "db/connection.hpp"
#include "db/documents.hpp"
#include "db/migrator.hpp"
#include "db/pool.hpp"
#include "log/log.hpp"
#include "queue/job.hpp"
#include "queue/upgrade.hpp"

namespace htut::cmd {
namespace {

// The broker half: replaces an old countwords without losing its jobs. A job
// that ends up waiting in countwords marks its document published, so the
// worker's outbox does not publish it a second time; the other pending
// documents (their job was lost) are published by the outbox.
Status upgrade_broker(const config::Config& cfg) {
  db::Pool pool(cfg.database_url, 1);
  db::Documents documents(pool);
  std::uint64_t unmatched = 0;
  auto on_job = [&](std::string_view body) {
    auto job = queue::parse_job(body);
    if (!job) {
      ++unmatched;  // the worker dead-letters it with the reason
      return;
    }
    if (auto marked = documents.mark_published(job->document_slug, job->time_uploaded); !marked) {
      ++unmatched;  // no such row (the worker dead-letters the job), or the database failed: the outbox may republish
      if (marked.error().kind != Error::Kind::not_found)
        log::warn("could not mark a moved job published",
                  {{"slug", job->document_slug}, {"error", marked.error().message}});
    }
  };
  queue::ConnectOptions options;
  options.connection_name = "htut migrate";
  auto report = queue::upgrade_topology(cfg.amqp_url, options, on_job);
  if (!report) return report.error();
  log::info(report->replaced ? "broker queues replaced as htut declares them" : "broker queues are current",
            {{"replaced", report->replaced},
             {"jobs_moved_out", report->moved_out},
             {"jobs_moved_back", report->moved_back},
             {"jobs_without_document", unmatched}});
  return ok_status();
}

}  // namespace

int migrate_main(const Args& args) {
  if (!no_arguments("migrate", args)) return 2;
  // The broker is optional for migrate: brought up to date when configured.
  config::Needs needs = config::needs_for_role("migrate");
  auto is_set = [](const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0';  // empty counts as unset, as everywhere in config
  };
  needs.amqp = is_set("CLOUDAMQP_URL") || is_set("AMQP_URL");
  config::Config cfg;
  try {
    cfg = config::load(needs);
  } catch (const config::ConfigError& e) {
    std::cerr << "htut migrate: " << e.what() << "\n";
    return 1;
  }
  if (!load_libraries("migrate", cfg, needs)) return 1;
  auto migrations = db::load_migrations(embedded::migrations());
  if (!migrations) {
    std::cerr << "htut migrate: " << migrations.error().message << "\n";
    return 1;
  }
  // No statement timeout: waiting for another run's lock, or a big
  // migration, may take longer than any request would.
  db::ConnectOptions options;
  options.statement_timeout = std::chrono::milliseconds(0);
  options.application_name = "htut-migrate";
  auto conn = db::Connection::open(cfg.database_url, options);
  if (!conn) {
    std::cerr << "htut migrate: " << conn.error().message << "\n";
    return 1;
  }
  auto lock = db::MigrationLock::acquire(**conn);
  if (!lock) {
    std::cerr << "htut migrate: " << lock.error().message << "\n";
    return 1;
  }
  auto run = db::migrate(**conn, *migrations, [](const db::Migration& m, std::chrono::milliseconds took) {
    log::info("applied migration " + m.name, {{"version", m.version}, {"ms", took.count()}});
  });
  if (!run) {
    std::cerr << "htut migrate: " << run.error().message << "\n";
    return 1;
  }
  if (needs.amqp) {
    if (auto upgraded = upgrade_broker(cfg); !upgraded) {
      log::error("broker upgrade failed", {{"error", upgraded.error().message}});
      std::cerr << "htut migrate: " << upgraded.error().message << "\n";
      return 1;
    }
  }
  log::info("schema is current at version " + std::to_string(run->version),
            {{"version", run->version}, {"applied", run->applied.size()}});
  return 0;
}

}  // namespace htut::cmd
