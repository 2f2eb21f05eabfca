#include "queue/dead_letters.hpp"

#include <optional>

#include "queue/amqp_url.hpp"
#include "queue/connection.hpp"
#include "queue/topology.hpp"

namespace htut::queue {

struct DeadLetters::State {
  Result<AmqpUrl> url;
  ConnectOptions options;
  State(Result<AmqpUrl> u, ConnectOptions o) : url(std::move(u)), options(std::move(o)) {}

  Result<Connection> open() {
    if (!url) return url.error();
    auto conn = Connection::open(*url, options);
    if (!conn) return conn.error();
    if (auto s = conn->declare_topology(); !s) return s.error();
    return conn;
  }
};

DeadLetters::DeadLetters(std::string url, ConnectOptions options)
    : state_(std::make_unique<State>(parse_amqp_url(url), std::move(options))) {}

DeadLetters::~DeadLetters() = default;

Status DeadLetters::each(const std::function<Result<Action>(const DeadLetter&)>& visit) {
  auto conn = state_->open();
  if (!conn) return conn.error();
  Status result = ok_status();
  for (;;) {
    auto got = conn->get(kDeadQueue);
    if (!got) {
      result = got.error();
      break;
    }
    if (!*got) break;
    DeadLetter letter{std::move((*got)->body), std::move((*got)->headers), (*got)->timestamp};
    auto action = visit(letter);
    if (!action) {
      result = action.error();
      break;
    }
    if (*action == Action::drop) {
      if (auto s = conn->ack((*got)->delivery_tag); !s) {
        result = s.error();
        break;
      }
    }
  }
  // Closing requeues every message we kept (unacked), in their old order.
  conn->close(std::chrono::seconds(5));
  return result;
}

Result<std::uint32_t> DeadLetters::purge() {
  auto conn = state_->open();
  if (!conn) return conn.error();
  auto purged = conn->purge(kDeadQueue);
  conn->close(std::chrono::seconds(5));
  return purged;
}

}  // namespace htut::queue
