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
    bool returned = false;
    for (;;) {
      auto left = remaining(deadline);
      if (left.count() == 0) return conn.unavailable("publish", "no confirm from the broker in time");
      amqp_frame_t frame;
      int rc = conn.wait_frame(frame, left);
      if (rc == AMQP_STATUS_TIMEOUT) continue;  // the loop reports the timeout
      if (rc != AMQP_STATUS_OK) return conn.unavailable("publish", amqp_error_string2(rc));
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
          const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
          if (ack->delivery_tag != seq && !(ack->multiple && ack->delivery_tag >= seq)) continue;  // an older one
          conn.release_buffers();
          // With mandatory set, basic.return comes before the ack of an unroutable message.
          if (returned)
            return conn.unavailable("publish",
                                    "message returned as unroutable: queue " + message.queue + " is missing");
          return ok_status();
        }
        case AMQP_BASIC_NACK_METHOD: {
          const auto* nack = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
          if (nack->delivery_tag != seq && !(nack->multiple && nack->delivery_tag >= seq)) continue;
          return conn.unavailable("publish", "the broker refused the message (basic.nack)");
        }
        case AMQP_BASIC_RETURN_METHOD: {
          amqp_message_t message;
          auto reply = conn.read_message(frame.channel, message);
          if (reply.reply_type != AMQP_RESPONSE_NORMAL) return conn.from_reply("publish", reply);
          amqp_destroy_message(&message);
          returned = true;
          continue;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD:
          conn.answer_close(frame);
          return conn.unavailable("publish", describe_close(frame));
        default:
          continue;
      }
    }
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
    auto s = conn.check_queue(kJobQueue);
    conn.set_rpc_timeout(state_->options.rpc_timeout);
    return s;
  });
}

}  // namespace htut::queue
