#pragma once
// Consumer: takes deliveries from a queue (countwords by default) with manual
// acks and a prefetch limit.
//
// Single-threaded: use a Consumer only from the thread that created it; acks
// must go back on the connection the delivery came from. Connects lazily in
// next(); after a failure the connection is dropped and next() reconnects on
// its next call — waiting between attempts is the caller's loop's decision.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "queue/message.hpp"
#include "queue/options.hpp"
#include "queue/topology.hpp"

namespace htut::queue {

struct Delivery {
  std::string body;
  std::uint64_t delivery_tag = 0;
  bool redelivered = false;
  std::string content_type;  // as published (application/json for jobs)
  bool persistent = false;   // delivery_mode 2
  Headers headers;           // x-htut-retries, … (see message.hpp)
  // Which connection it came on: delivery tags are per channel, so an ack
  // after a reconnect would hit a different message. ack/reject refuse that.
  std::uint64_t connection_id = 0;
};

class Consumer {
 public:
  Consumer(std::string url, std::uint16_t prefetch, ConnectOptions options = {}, std::string queue = kJobQueue);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Waits up to `timeout` for a delivery; nullopt when none arrived.
  // `unavailable` when the broker cannot be reached or closed the channel,
  // connection or consumer (basic.cancel); the next call reconnects.
  Result<std::optional<Delivery>> next(std::chrono::milliseconds timeout);

  Status ack(const Delivery& delivery);
  // requeue=false dead-letters the message to countwords.dead.
  Status reject(const Delivery& delivery, bool requeue);

  // Services the connection (heartbeats, broker closes) for up to `timeout`
  // while a job is being worked on elsewhere. A delivery that arrives
  // meanwhile is kept for the next next().
  Status keep_alive(std::chrono::milliseconds timeout);

  bool connected() const;
  // Closes the connection; unacked deliveries go back to the queue.
  void disconnect();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace htut::queue
