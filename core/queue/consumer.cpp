#include "queue/consumer.hpp"

#include <atomic>

#include "log/log.hpp"
#include "queue/amqp_url.hpp"
#include "queue/connection.hpp"
#include "queue/topology.hpp"

namespace htut::queue {
namespace {

// Connection ids are unique across all consumers of the process, so a
// delivery can never be settled on a connection it did not come from.
std::atomic<std::uint64_t> last_connection_id{0};

std::string text_of(amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); }

}  // namespace

struct Consumer::State {
  Result<AmqpUrl> url;
  std::uint16_t prefetch;
  ConnectOptions options;
  std::string queue;
  std::optional<Connection> connection;
  std::uint64_t connection_id = 0;
  std::deque<Delivery> pending;  // arrived during keep_alive()

  State(Result<AmqpUrl> u, std::uint16_t p, ConnectOptions o, std::string q)
      : url(std::move(u)), prefetch(p), options(std::move(o)), queue(std::move(q)) {}

  Status connect() {
    if (!url) return url.error();
    auto opened = Connection::open(*url, options);
    if (!opened) return opened.error();
    Connection conn = std::move(opened).value();
    if (auto s = conn.declare_topology(); !s) return s;
    if (auto s = conn.qos(prefetch); !s) return s;
    if (auto s = conn.consume(queue); !s) return s;
    connection.emplace(std::move(conn));
    pending.clear();
    connection_id = ++last_connection_id;
    log::info("queue consumer connected", {{"broker", url->describe()}, {"queue", queue}, {"prefetch", prefetch}});
    return ok_status();
  }

  Delivery make_delivery(const amqp_message_t& message, std::uint64_t tag, bool redelivered) const {
    Delivery d;
    d.body = text_of(message.body);
    d.delivery_tag = tag;
    d.redelivered = redelivered;
    d.connection_id = connection_id;
    const auto& props = message.properties;
    if (props._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) d.content_type = text_of(props.content_type);
    d.persistent = (props._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) && props.delivery_mode == AMQP_DELIVERY_PERSISTENT;
    d.headers = headers_of(props);
    return d;
  }

  Error failed(Error error) {
    connection.reset();
    pending.clear();  // their tags died with the connection; the broker requeues them
    return error;
  }

  // Handles a frame that is not a delivery (the canonical rabbitmq-c
  // consumer loop: see amqp_consume_message's AMQP_STATUS_UNEXPECTED_STATE).
  Status handle_other_frame(const amqp_frame_t& frame) {
    Connection& conn = *connection;
    if (frame.frame_type != AMQP_FRAME_METHOD) return ok_status();  // stray content frame: skip
    switch (frame.payload.method.id) {
      case AMQP_BASIC_DELIVER_METHOD: {
        // Only reached from keep_alive(): read the message and keep it.
        const auto* d = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
        amqp_message_t message;
        auto reply = conn.read_message(frame.channel, message);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) return failed(conn.from_reply("read delivery", reply));
        Delivery delivery = make_delivery(message, d->delivery_tag, d->redelivered != 0);
        amqp_destroy_message(&message);
        pending.push_back(std::move(delivery));
        return ok_status();
      }
      case AMQP_BASIC_RETURN_METHOD: {
        amqp_message_t message;
        auto reply = conn.read_message(frame.channel, message);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) return failed(conn.from_reply("read return", reply));
        amqp_destroy_message(&message);
        return ok_status();
      }
      case AMQP_BASIC_CANCEL_METHOD:
        return failed(conn.unavailable("consume", "the broker cancelled the consumer (queue " + queue + " deleted?)"));
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        conn.answer_close(frame);
        return failed(conn.unavailable("consume", describe_close(frame)));
      default:
        return ok_status();  // e.g. basic.ack: nothing to do for a consumer
    }
  }

  Result<std::optional<Delivery>> next(std::chrono::milliseconds timeout) {
    if (!connection) {
      if (auto s = connect(); !s) return s.error();
    }
    if (!pending.empty()) {
      Delivery d = std::move(pending.front());
      pending.pop_front();
      return std::optional<Delivery>(std::move(d));
    }
    Connection& conn = *connection;
    conn.release_buffers();
    amqp_envelope_t envelope;
    amqp_rpc_reply_t reply = conn.consume_message(envelope, timeout);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
      Delivery d = make_delivery(envelope.message, envelope.delivery_tag, envelope.redelivered != 0);
      amqp_destroy_envelope(&envelope);
      return std::optional<Delivery>(std::move(d));
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
      return std::optional<Delivery>();
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      // The frame was put back; this returns it at once.
      amqp_frame_t frame;
      if (int rc = conn.wait_frame(frame, options.rpc_timeout); rc != AMQP_STATUS_OK)
        return failed(conn.unavailable("consume", amqp_error_string2(rc)));
      if (auto s = handle_other_frame(frame); !s) return s.error();
      return std::optional<Delivery>();
    }
    return failed(conn.from_reply("consume", reply));
  }

  Status keep_alive(std::chrono::milliseconds timeout) {
    if (!connection) return make_error(Error::Kind::unavailable, "broker unavailable: not connected");
    Connection& conn = *connection;
    amqp_frame_t frame;
    int rc = conn.wait_frame(frame, timeout);
    if (rc == AMQP_STATUS_TIMEOUT) return ok_status();
    if (rc != AMQP_STATUS_OK) return failed(conn.unavailable("keep-alive", amqp_error_string2(rc)));
    return handle_other_frame(frame);
  }

  Status settle(const Delivery& delivery, bool ack, bool requeue) {
    if (!connection || delivery.connection_id != connection_id)
      return make_error(Error::Kind::unavailable,
                        "broker unavailable: the connection this delivery came on is gone; the broker redelivers it");
    Connection& conn = *connection;
    auto s = ack ? conn.ack(delivery.delivery_tag) : conn.reject(delivery.delivery_tag, requeue);
    if (!s) return failed(s.error());
    return s;
  }
};

Consumer::Consumer(std::string url, std::uint16_t prefetch, ConnectOptions options, std::string queue)
    : state_(std::make_unique<State>(parse_amqp_url(url), prefetch, std::move(options), std::move(queue))) {}

Consumer::~Consumer() = default;

Result<std::optional<Delivery>> Consumer::next(std::chrono::milliseconds timeout) { return state_->next(timeout); }
Status Consumer::ack(const Delivery& delivery) { return state_->settle(delivery, true, false); }
Status Consumer::reject(const Delivery& delivery, bool requeue) { return state_->settle(delivery, false, requeue); }
Status Consumer::keep_alive(std::chrono::milliseconds timeout) { return state_->keep_alive(timeout); }
bool Consumer::connected() const { return state_->connection.has_value(); }
void Consumer::disconnect() {
  if (state_->connection) state_->connection->close(std::chrono::seconds(2));
  state_->failed(Error{});
}

}  // namespace htut::queue
