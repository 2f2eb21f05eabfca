#include "queue/upgrade.hpp"

#include <optional>

#include "log/log.hpp"
#include "queue/amqp_url.hpp"
#include "queue/connection.hpp"
#include "queue/topology.hpp"

namespace htut::queue {
namespace {

// A refused delete (queue not empty) is retried this often before giving up:
// only a publisher that outpaces the move could keep the old queue non-empty.
constexpr int kDeleteAttempts = 20;

// One connection in confirm mode, counting its publishes for wait_confirm.
struct Channel {
  Connection conn;
  std::uint64_t next_seq = 1;
};

Result<Channel> open_channel(const AmqpUrl& url, const ConnectOptions& options) {
  auto opened = Connection::open(url, options);
  if (!opened) return opened.error();
  Channel channel{std::move(opened).value()};
  channel.conn.expect_refusals();  // a refused countwords is what this module handles
  if (auto s = channel.conn.confirm_select(); !s) return s.error();
  return channel;
}

// Moves every message of `from` to `to` (persistent). Returns how many.
Result<std::uint64_t> move_all(Channel& ch, const std::string& from, const std::string& to,
                               std::chrono::milliseconds confirm_timeout,
                               const std::function<void(std::string_view)>& on_moved) {
  std::uint64_t moved = 0;
  for (;;) {
    auto got = ch.conn.get(from);
    if (!got) return got.error();
    if (!*got) return moved;
    const Connection::Got& message = **got;
    // The seed's jobs carry no content type; htut's are JSON.
    Message copy;
    copy.queue = to;
    copy.body = message.body;
    if (!message.content_type.empty()) copy.content_type = message.content_type;
    copy.headers = message.headers;
    copy.timestamp = message.timestamp;
    if (auto s = ch.conn.publish(copy, true); !s) return s.error();
    if (auto s = ch.conn.wait_confirm(ch.next_seq++, to, confirm_timeout); !s) return s.error();
    if (auto s = ch.conn.ack(message.delivery_tag); !s) return s.error();
    ++moved;
    if (on_moved) on_moved(message.body);
  }
}

bool refused_job_queue(const Error& e) {
  // RabbitMQ names the queue: "inequivalent arg 'durable' for queue 'countwords' in vhost '/'".
  return e.kind == Error::Kind::conflict &&
         e.message.find("for queue '" + std::string(kJobQueue) + "'") != std::string::npos;
}

// Empties the old countwords into the holding queue and deletes it.
Result<std::uint64_t> replace_old_queue(const AmqpUrl& url, const ConnectOptions& options) {
  std::uint64_t moved = 0;
  for (int attempt = 1;; ++attempt) {
    auto ch = open_channel(url, options);
    if (!ch) return ch.error();
    if (auto s = ch->conn.declare_durable_queue(kHoldingQueue); !s) return s.error();
    auto n = move_all(*ch, kJobQueue, kHoldingQueue, options.rpc_timeout, {});
    if (!n) return n.error();
    moved += *n;
    auto deleted = ch->conn.delete_queue(kJobQueue, true);
    if (deleted) return moved;
    // Refused while not empty (a job arrived meanwhile; the channel is closed): again.
    if (deleted.error().kind != Error::Kind::conflict || attempt == kDeleteAttempts) return deleted.error();
    log::info("old queue got new jobs while they were moved; moving again", {{"queue", kJobQueue}});
  }
}

}  // namespace

Result<UpgradeReport> upgrade_topology(const std::string& url_text, const ConnectOptions& options,
                                       const std::function<void(std::string_view body)>& on_job) {
  auto url = parse_amqp_url(url_text);
  if (!url) return url.error();
  UpgradeReport report;

  auto ch = open_channel(*url, options);
  if (!ch) return ch.error();
  if (auto declared = ch->conn.declare_topology(); !declared) {
    if (!refused_job_queue(declared.error())) return declared.error();
    log::info("queue exists with other properties; moving its waiting jobs to a durable holding queue",
              {{"queue", kJobQueue}, {"holding_queue", kHoldingQueue}});
    auto moved = replace_old_queue(*url, options);
    if (!moved) return moved.error();
    report.replaced = true;
    report.moved_out = *moved;
    log::info("old queue emptied and deleted", {{"queue", kJobQueue}, {"jobs", report.moved_out}});
    ch = open_channel(*url, options);
    if (!ch) return ch.error();
    if (auto again = ch->conn.declare_topology(); !again) return again.error();
  }

  // countwords is as htut declares it. Jobs in the holding queue (from above,
  // or from an earlier run that was interrupted) go back into it.
  if (auto s = ch->conn.declare_durable_queue(kHoldingQueue); !s) return s.error();
  auto back = move_all(*ch, kHoldingQueue, kJobQueue, options.rpc_timeout, on_job);
  if (!back) return back.error();
  report.moved_back = *back;
  if (auto deleted = ch->conn.delete_queue(kHoldingQueue, true); !deleted) return deleted.error();
  ch->conn.close(options.rpc_timeout);
  return report;
}

}  // namespace htut::queue
