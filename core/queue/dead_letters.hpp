#pragma once
// The dead-letter queue (countwords.dead) for operators: `htut jobs`.
// Each pass walks the queue once with basic.get (manual ack): a message the
// visitor drops is acked (gone), one it keeps stays unacked until the pass
// ends, then the broker puts it back, so a pass sees every message once.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "queue/message.hpp"
#include "queue/options.hpp"

namespace htut::queue {

struct DeadLetter {
  std::string body;
  Headers headers;                        // incl. x-htut-error, x-death.reason/.time when present
  std::optional<std::int64_t> timestamp;  // when a worker dead-lettered it (seconds since the epoch)
};

class DeadLetters {
 public:
  enum class Action { keep, drop };

  explicit DeadLetters(std::string url, ConnectOptions options = {});
  ~DeadLetters();
  DeadLetters(const DeadLetters&) = delete;
  DeadLetters& operator=(const DeadLetters&) = delete;

  // Calls `visit` for every message of countwords.dead, oldest first.
  // A visitor error stops the pass (the message is kept).
  Status each(const std::function<Result<Action>(const DeadLetter&)>& visit);
  // Drops every message; returns how many.
  Result<std::uint32_t> purge();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace htut::queue
