#pragma once
// Publisher: sends jobs to the countwords queue and returns only when the
// broker has confirmed them (publisher confirms), so an "ok" job is on disk.
//
// Thread-safe: one internal mutex serialises callers on one connection
// (rabbitmq-c connections cannot be shared between threads; at htut's upload
// rates one confirmed publish at a time is plenty). Connects lazily; after a
// failure the connection is dropped and the next call reconnects, but not
// before a short, growing backoff has passed (calls in between fail fast).
#include <chrono>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "queue/job.hpp"
#include "queue/message.hpp"
#include "queue/options.hpp"

namespace htut::queue {

class Publisher {
 public:
  explicit Publisher(std::string url, ConnectOptions options = {});
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Publishes `job` as persistent JSON to countwords (mandatory, confirm mode).
  // Ok only once the broker's basic.ack for it arrived within `timeout`;
  // a basic.return (unroutable), basic.nack, closed channel/connection or
  // timeout is an `unavailable` error. Connecting counts against `timeout`.
  Status publish(const Job& job, std::chrono::milliseconds timeout);
  // Any message (a retry, a dead letter, a job put back by `htut jobs retry`),
  // with the same guarantees: ok only once confirmed.
  Status send(const Message& message, std::chrono::milliseconds timeout);
  // How many messages are ready in `queue` (a passive queue.declare).
  Result<std::uint32_t> waiting(const std::string& queue, std::chrono::milliseconds timeout);

  // For /healthz: connects if needed and makes one round trip to the broker.
  Status ping(std::chrono::milliseconds timeout = std::chrono::seconds(3));

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace htut::queue
