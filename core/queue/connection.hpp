#pragma once
// Connection: the one RAII owner of a rabbitmq-c connection
// (amqp_connection_state_t) with channel 1 open. Internal to core/queue:
// Publisher and Consumer build on it; nothing outside the module sees amqp.h.
//
// Threading: rabbitmq-c connections must not be shared between threads;
// the owner (Publisher under its mutex, Consumer on its thread) guarantees it.
#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "queue/amqp_url.hpp"
#include "queue/message.hpp"
#include "queue/options.hpp"
#include "queue/topology.hpp"

namespace htut::queue {

class Connection {
 public:
  static constexpr amqp_channel_t kChannel = 1;

  // Connects, logs in and opens channel 1. Errors are `unavailable`
  // ("broker unavailable: ..."), never containing the password.
  static Result<Connection> open(const AmqpUrl& url, const ConnectOptions& options);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Declares every queue of topology(). Idempotent.
  // A queue that exists with other properties is refused by the broker
  // (406 PRECONDITION_FAILED): that is a `conflict` error (see from_reply),
  // and the channel is closed, so the connection is done for.
  Status declare_topology();
  // A durable queue without arguments (the holding queue of queue/upgrade.hpp).
  Status declare_durable_queue(std::string_view queue);
  // queue.delete; with if_empty, a queue that still holds messages is refused
  // (`conflict`, the channel is closed). Returns how many messages it held.
  Result<std::uint32_t> delete_queue(std::string_view queue, bool if_empty);
  Status declare(const QueueSpec& spec);
  // How many messages wait (ready) in the queue (a passive queue.declare).
  Result<std::uint32_t> message_count(std::string_view queue);
  // queue.purge: how many messages were dropped.
  Result<std::uint32_t> purge(std::string_view queue);

  // basic.get with manual ack: the next ready message, or nullopt when none.
  // It stays unacked (invisible to others) until acked, rejected, or the
  // connection closes (then it is requeued).
  struct Got {
    std::string body, content_type;
    Headers headers;
    std::uint64_t delivery_tag = 0;
    std::optional<std::int64_t> timestamp;
  };
  Result<std::optional<Got>> get(std::string_view queue);
  Status confirm_select();
  Status qos(std::uint16_t prefetch);
  Status consume(std::string_view queue);

  // basic.publish of a persistent message on the default exchange.
  Status publish(const Message& message, bool mandatory);
  // In confirm mode, after publishing the delivery numbered `seq` (1, 2, ...
  // per connection) with mandatory set: waits up to `timeout` for its
  // basic.ack. A basic.return (no such queue), basic.nack, a close or the
  // timeout is an `unavailable` error.
  Status wait_confirm(std::uint64_t seq, std::string_view routing_key, std::chrono::milliseconds timeout);
  Status ack(std::uint64_t delivery_tag);
  Status reject(std::uint64_t delivery_tag, bool requeue);

  // Waits up to `timeout` for one frame; returns the rabbitmq-c status
  // (AMQP_STATUS_OK, AMQP_STATUS_TIMEOUT, ...). Heartbeats are handled inside.
  int wait_frame(amqp_frame_t& frame, std::chrono::milliseconds timeout);
  // amqp_consume_message with a timeout; the caller destroys the envelope on success.
  amqp_rpc_reply_t consume_message(amqp_envelope_t& envelope, std::chrono::milliseconds timeout);
  // Reads a message's header and body after a basic.deliver / basic.return frame.
  amqp_rpc_reply_t read_message(amqp_channel_t channel, amqp_message_t& message);
  // Answers a broker's channel.close / connection.close with the matching close-ok.
  void answer_close(const amqp_frame_t& frame);
  // Frees frame memory between messages (rabbitmq-c pools grow otherwise).
  void release_buffers();
  void set_rpc_timeout(std::chrono::milliseconds timeout);
  // Polite shutdown (channel.close + connection.close, each waiting at most
  // `timeout`), then the socket is closed. Unacked deliveries are requeued.
  void close(std::chrono::milliseconds timeout);

  // "broker unavailable: <what> (<host:port vhost>): <detail>".
  Error unavailable(std::string_view what, std::string_view detail) const;
  // `unavailable`, except a 406 PRECONDITION_FAILED channel close (a declare
  // or delete the broker refuses): `conflict`, "broker refused: <what> ...",
  // also logged at error level (at most once a minute per process), because
  // it never heals by itself.
  Error from_reply(std::string_view what, const amqp_rpc_reply_t& reply) const;
  // For the one caller that expects refusals and handles them (queue/upgrade.cpp): no error line.
  void expect_refusals() { log_refusals_ = false; }
  const std::string& where() const { return where_; }

 private:
  Connection(amqp_connection_state_t state, std::string where) : state_(state), where_(std::move(where)) {}
  void destroy();

  amqp_connection_state_t state_ = nullptr;
  std::string where_;
  bool log_refusals_ = true;
};

// A message's headers as text; of the x-death array only the first (newest)
// entry's reason, queue and time, as x-death.reason / x-death.queue / x-death.time.
Headers headers_of(const amqp_basic_properties_t& props);
// The name shown by `rabbitmqctl list_connections client_properties`:
// "htut <role> dyno=<$DYNO or host name> pid=<pid>".
std::string full_connection_name(std::string_view role);

// Text for a reply (library status, or the broker's close code and text).
std::string describe_reply(const amqp_rpc_reply_t& reply);
// Text for a frame the broker sent to close the channel or connection.
std::string describe_close(const amqp_frame_t& frame);

}  // namespace htut::queue
