#include "queue/publisher.hpp"

#include <mutex>
#include <optional>

#include "config/config.hpp"
#include "log/log.hpp"
#include "queue/amqp_url.hpp"
#include "queue/backoff.hpp"
#include "queue/connection.hpp"
#include "queue/topology.hpp"

namespace htut::queue {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds remaining(Clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

}  // namespace

struct Publisher::State {
  std::mutex mutex;
  Result<AmqpUrl> url;
  ConnectOptions options;
  std::optional<Connection> connection;
  std::uint64_t next_seq = 1;  // delivery tag the broker gives our next publish (confirm mode)
  Backoff backoff{milliseconds(100), milliseconds(2000)};
  Clock::time_point retry_at{};
  Clock::time_point last_used{};
  std::optional<Error> last_error;

  State(Result<AmqpUrl> u, ConnectOptions o) : url(std::move(u)), options(std::move(o)) {}

  // Opens a connection in confirm mode with the topology declared.
  Status connect(Clock::time_point deadline) {
    if (!url) return url.error();
    if (Clock::now() < retry_at && last_error)
      return make_error(Error::Kind::unavailable, last_error->message + " (reconnecting after a short backoff)");
    ConnectOptions opts = options;
    // Connecting counts against the caller's deadline.
    opts.connect_timeout = std::min(opts.connect_timeout, std::max(milliseconds(1), remaining(deadline)));
    opts.rpc_timeout = std::min(opts.rpc_timeout, std::max(milliseconds(1), remaining(deadline)));
    auto opened = Connection::open(*url, opts);
    if (!opened) return failed(opened.error());
    Connection conn = std::move(opened).value();
    if (auto s = conn.declare_topology(); !s) return failed(s.error());
    if (auto s = conn.confirm_select(); !s) return failed(s.error());
    conn.set_rpc_timeout(options.rpc_timeout);
    connection.emplace(std::move(conn));
    next_seq = 1;
    log::info("queue publisher connected", {{"broker", url->describe()}});
    return ok_status();
  }

  // Drops the connection and schedules the next attempt.
  Error failed(Error error) {
    connection.reset();
    retry_at = Clock::now() + backoff.next();
    last_error = error;
    return error;
  }

  void succeeded() {
    backoff.reset();
    last_error.reset();
  }

  // One publish on the open connection, waiting for its confirm.
  Status publish_confirmed(const Message& message, Clock::time_point deadline) {
    Connection& conn = *connection;
    std::uint64_t seq = next_seq++;
    if (auto s = conn.publish(message, true); !s) return s;
    return conn.wait_confirm(seq, message.queue, remaining(deadline));
  }

  // Runs `operation` on a connection; a failure on a connection that was
  // already open (it may have died while idle) is retried once on a fresh one.
  template <class Operation>
  Status with_connection(Clock::time_point deadline, Operation operation) {
    // We send no heartbeats while idle, so the broker drops an idle
    // connection after two heartbeat intervals: replace it quietly instead.
    if (connection && options.heartbeat_seconds > 0 &&
        Clock::now() - last_used > std::chrono::seconds(options.heartbeat_seconds))
      connection.reset();
    for (int attempt = 0;; ++attempt) {
      bool fresh = !connection;
      if (fresh) {
        if (auto s = connect(deadline); !s) return s;
      }
      auto s = operation(*connection);
      last_used = Clock::now();
      if (s) {
        succeeded();
        return s;
      }
      if (fresh || attempt > 0 || remaining(deadline).count() == 0) return failed(s.error());
      log::info("queue publisher reconnecting", {{"reason", s.error().message}});
      connection.reset();  // a stale connection: retry at once, no backoff
    }
  }
};

Publisher::Publisher(std::string url, ConnectOptions options)
    : state_(std::make_unique<State>(parse_amqp_url(url), std::move(options))) {}

Publisher::~Publisher() = default;

Status Publisher::publish(const Job& job, std::chrono::milliseconds timeout) {
  Message message;
  message.queue = kJobQueue;
  message.body = job_to_json(job);
  return send(message, timeout);
}

Status Publisher::send(const Message& message, std::chrono::milliseconds timeout) {
  std::lock_guard lock(state_->mutex);
  auto deadline = Clock::now() + timeout;
  return state_->with_connection(deadline, [&](Connection&) { return state_->publish_confirmed(message, deadline); });
}

Result<std::uint32_t> Publisher::waiting(const std::string& queue, std::chrono::milliseconds timeout) {
  std::lock_guard lock(state_->mutex);
  auto deadline = Clock::now() + timeout;
  std::uint32_t count = 0;
  auto s = state_->with_connection(deadline, [&](Connection& conn) -> Status {
    conn.set_rpc_timeout(std::max(milliseconds(1), remaining(deadline)));
    auto got = conn.message_count(queue);
    conn.set_rpc_timeout(state_->options.rpc_timeout);
    if (!got) return got.error();
    count = *got;
    return ok_status();
  });
  if (!s) return s.error();
  return count;
}

Status Publisher::ping(std::chrono::milliseconds timeout) {
  std::lock_guard lock(state_->mutex);
  auto deadline = Clock::now() + timeout;
  return state_->with_connection(deadline, [&](Connection& conn) {
    conn.set_rpc_timeout(std::max(milliseconds(1), remaining(deadline)));
    // A real declare with htut's arguments, not a passive one: a queue that
    // exists with other properties (the broker refuses: 406) is unhealthy.
    auto s = conn.declare_topology();
    conn.set_rpc_timeout(state_->options.rpc_timeout);
    return s;
  });
}

}  // namespace htut::queue
