#include "queue/connection.hpp"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <utility>
#include <vector>

#include "log/log.hpp"
#include "queue/topology.hpp"

namespace htut::queue {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  if (ms.count() < 0) ms = std::chrono::milliseconds(0);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

amqp_bytes_t bytes_of(std::string_view s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

std::string text_of(amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); }

std::string describe_method(const amqp_method_t& method) {
  if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_connection_close_t*>(method.decoded);
    return "connection closed by the broker: " + std::to_string(m->reply_code) + " " + text_of(m->reply_text);
  }
  if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_channel_close_t*>(method.decoded);
    return "channel closed by the broker: " + std::to_string(m->reply_code) + " " + text_of(m->reply_text);
  }
  return std::string("unexpected method ") + amqp_method_name(method.id);
}

std::string field_text(const amqp_field_value_t& v) {
  switch (v.kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
      return text_of(v.value.bytes);
    case AMQP_FIELD_KIND_I8:
      return std::to_string(v.value.i8);
    case AMQP_FIELD_KIND_U8:
      return std::to_string(v.value.u8);
    case AMQP_FIELD_KIND_I16:
      return std::to_string(v.value.i16);
    case AMQP_FIELD_KIND_U16:
      return std::to_string(v.value.u16);
    case AMQP_FIELD_KIND_I32:
      return std::to_string(v.value.i32);
    case AMQP_FIELD_KIND_U32:
      return std::to_string(v.value.u32);
    case AMQP_FIELD_KIND_I64:
      return std::to_string(v.value.i64);
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
      return std::to_string(v.value.u64);
    case AMQP_FIELD_KIND_BOOLEAN:
      return v.value.boolean ? "true" : "false";
    default:
      return "";
  }
}

amqp_table_entry_t text_entry(const std::string& key, const std::string& value) {
  amqp_table_entry_t e{};
  e.key = bytes_of(key);
  e.value.kind = AMQP_FIELD_KIND_UTF8;
  e.value.value.bytes = bytes_of(value);
  return e;
}

}  // namespace

Headers headers_of(const amqp_basic_properties_t& props) {
  Headers out;
  if (!(props._flags & AMQP_BASIC_HEADERS_FLAG)) return out;
  const amqp_table_t& table = props.headers;
  for (int i = 0; i < table.num_entries; ++i) {
    const amqp_table_entry_t& e = table.entries[i];
    std::string key = text_of(e.key);
    if (key == "x-death" && e.value.kind == AMQP_FIELD_KIND_ARRAY && e.value.value.array.num_entries > 0 &&
        e.value.value.array.entries[0].kind == AMQP_FIELD_KIND_TABLE) {
      const amqp_table_t& death = e.value.value.array.entries[0].value.table;
      for (int j = 0; j < death.num_entries; ++j) {
        std::string name = text_of(death.entries[j].key);
        if (name == "reason" || name == "queue" || name == "time")
          out.emplace_back("x-death." + name, field_text(death.entries[j].value));
      }
      continue;
    }
    out.emplace_back(std::move(key), field_text(e.value));
  }
  return out;
}

std::string full_connection_name(std::string_view role) {
  std::string where;
  if (const char* dyno = std::getenv("DYNO"); dyno != nullptr && *dyno != '\0') {
    where = dyno;
  } else {
    char host[256] = {};
    where = gethostname(host, sizeof host - 1) == 0 ? host : "unknown";
  }
  return "htut " + std::string(role) + " dyno=" + where + " pid=" + std::to_string(getpid());
}

std::string describe_reply(const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      return describe_method(reply.reply);
  }
  return "unknown reply";
}

std::string describe_close(const amqp_frame_t& frame) { return describe_method(frame.payload.method); }

Result<Connection> Connection::open(const AmqpUrl& url, const ConnectOptions& options) {
  amqp_connection_state_t state = amqp_new_connection();
  if (state == nullptr) return make_error(Error::Kind::internal, "out of memory creating an AMQP connection");
  // From here on `conn` owns `state`, so every early return cleans up.
  Connection conn(state, url.describe());

  amqp_socket_t* socket = url.tls ? amqp_ssl_socket_new(state) : amqp_tcp_socket_new(state);
  if (socket == nullptr) return conn.unavailable("connect", "cannot create a socket");
  if (url.tls) {
    // Verify the broker's certificate and host name against Debian's CA bundle.
    if (int rc = amqp_ssl_socket_set_cacert(socket, options.ca_file.c_str()); rc != AMQP_STATUS_OK)
      return conn.unavailable("TLS setup", "cannot read CA file " + options.ca_file);
    amqp_ssl_socket_set_verify_peer(socket, 1);
    amqp_ssl_socket_set_verify_hostname(socket, 1);
  }

  timeval connect_tv = to_timeval(options.connect_timeout);
  if (int rc = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &connect_tv); rc != AMQP_STATUS_OK)
    return conn.unavailable("connect", amqp_error_string2(rc));

  timeval rpc_tv = to_timeval(options.rpc_timeout);
  amqp_set_handshake_timeout(state, &rpc_tv);
  amqp_set_rpc_timeout(state, &rpc_tv);

  // consumer_cancel_notify: be told (basic.cancel) when our queue is deleted,
  // instead of waiting forever. rabbitmq-c merges these with its defaults.
  amqp_table_entry_t capability{amqp_cstring_bytes("consumer_cancel_notify"), {}};
  capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capability.value.value.boolean = 1;
  amqp_table_entry_t properties[2];
  properties[0].key = amqp_cstring_bytes("capabilities");
  properties[0].value.kind = AMQP_FIELD_KIND_TABLE;
  properties[0].value.value.table = amqp_table_t{1, &capability};
  properties[1].key = amqp_cstring_bytes("connection_name");
  properties[1].value.kind = AMQP_FIELD_KIND_UTF8;
  const std::string name = full_connection_name(options.connection_name);
  properties[1].value.value.bytes = bytes_of(name);
  amqp_table_t client_properties{2, properties};
  amqp_rpc_reply_t login =
      amqp_login_with_properties(state, url.vhost.c_str(), 0, 131072, options.heartbeat_seconds, &client_properties,
                                 AMQP_SASL_METHOD_PLAIN, url.user.c_str(), url.password.c_str());
  if (login.reply_type != AMQP_RESPONSE_NORMAL) return conn.from_reply("login", login);

  amqp_channel_open(state, kChannel);
  if (auto reply = amqp_get_rpc_reply(state); reply.reply_type != AMQP_RESPONSE_NORMAL)
    return conn.from_reply("channel open", reply);
  return conn;
}

Connection::Connection(Connection&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      where_(std::move(other.where_)),
      log_refusals_(other.log_refusals_) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    destroy();
    state_ = std::exchange(other.state_, nullptr);
    where_ = std::move(other.where_);
    log_refusals_ = other.log_refusals_;
  }
  return *this;
}

Connection::~Connection() { destroy(); }

void Connection::destroy() {
  if (state_ == nullptr) return;
  // No AMQP close handshake: it can block for the RPC timeout on a dead
  // broker. Closing the socket is enough: the broker requeues unacked
  // deliveries when the TCP connection goes away.
  amqp_destroy_connection(state_);
  state_ = nullptr;
}

Error Connection::unavailable(std::string_view what, std::string_view detail) const {
  return make_error(Error::Kind::unavailable,
                    "broker unavailable: " + std::string(what) + " (" + where_ + "): " + std::string(detail));
}

Error Connection::from_reply(std::string_view what, const amqp_rpc_reply_t& reply) const {
  if (reply.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION || reply.reply.id != AMQP_CHANNEL_CLOSE_METHOD)
    return unavailable(what, describe_reply(reply));
  const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
  if (close->reply_code != AMQP_PRECONDITION_FAILED) return unavailable(what, describe_reply(reply));
  std::string text = text_of(close->reply_text);
  std::string message = "broker refused: " + std::string(what) + " (" + where_ + "): 406 " + text;
  // "inequivalent arg 'durable' for queue 'countwords' ...": a queue declared
  // by someone else with other properties. It stays refused until replaced.
  if (text.find("inequivalent") != std::string::npos) {
    message +=
        ". The queue exists with other properties (left by the heroku-tut app or another htut version?): run "
        "`htut migrate` with CLOUDAMQP_URL set; it moves the queue's waiting jobs and declares it as htut needs";
    static std::atomic<std::int64_t> last_logged{-1};
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch());
    std::int64_t previous = last_logged.load();
    if (log_refusals_ && (previous < 0 || now.count() - previous >= 60) &&
        last_logged.compare_exchange_strong(previous, now.count()))
      log::error("broker refuses htut's queue declaration", {{"error", message}});
  }
  return make_error(Error::Kind::conflict, message);
}

Status Connection::declare_topology() {
  for (const QueueSpec& spec : topology()) {
    if (auto s = declare(spec); !s) return s;
  }
  return ok_status();
}

Status Connection::declare(const QueueSpec& spec) {
  amqp_table_entry_t entries[3];
  int n = 0;
  if (!spec.dead_letter_to.empty()) {
    entries[n].key = amqp_cstring_bytes("x-dead-letter-exchange");
    entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[n++].value.value.bytes = amqp_cstring_bytes("");
    entries[n].key = amqp_cstring_bytes("x-dead-letter-routing-key");
    entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[n++].value.value.bytes = bytes_of(spec.dead_letter_to);
  }
  if (spec.message_ttl_ms > 0) {
    entries[n].key = amqp_cstring_bytes("x-message-ttl");
    entries[n].value.kind = AMQP_FIELD_KIND_I64;
    entries[n++].value.value.i64 = spec.message_ttl_ms;
  }
  amqp_table_t arguments{n, entries};
  amqp_queue_declare(state_, kChannel, bytes_of(spec.name), 0, 1, 0, 0, arguments);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL)
    return from_reply("declare queue " + spec.name, reply);
  return ok_status();
}

Status Connection::declare_durable_queue(std::string_view queue) {
  amqp_queue_declare(state_, kChannel, bytes_of(queue), 0, 1, 0, 0, amqp_empty_table);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL)
    return from_reply("declare queue " + std::string(queue), reply);
  return ok_status();
}

Result<std::uint32_t> Connection::delete_queue(std::string_view queue, bool if_empty) {
  auto* deleted = amqp_queue_delete(state_, kChannel, bytes_of(queue), 0, if_empty ? 1 : 0);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL || deleted == nullptr)
    return from_reply("delete queue " + std::string(queue), reply);
  return deleted->message_count;
}

Result<std::uint32_t> Connection::message_count(std::string_view queue) {
  auto* ok = amqp_queue_declare(state_, kChannel, bytes_of(queue), 1, 0, 0, 0, amqp_empty_table);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL || ok == nullptr)
    return from_reply("check queue " + std::string(queue), reply);
  return ok->message_count;
}

Result<std::uint32_t> Connection::purge(std::string_view queue) {
  auto* ok = amqp_queue_purge(state_, kChannel, bytes_of(queue));
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL || ok == nullptr)
    return from_reply("purge queue " + std::string(queue), reply);
  return ok->message_count;
}

Result<std::optional<Connection::Got>> Connection::get(std::string_view queue) {
  amqp_maybe_release_buffers(state_);
  auto reply = amqp_basic_get(state_, kChannel, bytes_of(queue), 0);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) return from_reply("get from " + std::string(queue), reply);
  if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return std::optional<Got>();
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded);
  Got got;
  got.delivery_tag = ok->delivery_tag;
  amqp_message_t message;
  auto read = amqp_read_message(state_, kChannel, &message, 0);
  if (read.reply_type != AMQP_RESPONSE_NORMAL) return from_reply("read message from " + std::string(queue), read);
  got.body = text_of(message.body);
  got.headers = headers_of(message.properties);
  if (message.properties._flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
    got.content_type = text_of(message.properties.content_type);
  if (message.properties._flags & AMQP_BASIC_TIMESTAMP_FLAG)
    got.timestamp = static_cast<std::int64_t>(message.properties.timestamp);
  amqp_destroy_message(&message);
  return std::optional<Got>(std::move(got));
}

Status Connection::confirm_select() {
  amqp_confirm_select(state_, kChannel);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL)
    return from_reply("confirm select", reply);
  return ok_status();
}

Status Connection::qos(std::uint16_t prefetch) {
  amqp_basic_qos(state_, kChannel, 0, prefetch, 0);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL)
    return from_reply("basic.qos", reply);
  return ok_status();
}

Status Connection::consume(std::string_view queue) {
  // no_ack=0: manual acks, so a job is only removed once it is counted.
  amqp_basic_consume(state_, kChannel, bytes_of(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  if (auto reply = amqp_get_rpc_reply(state_); reply.reply_type != AMQP_RESPONSE_NORMAL)
    return from_reply("consume " + std::string(queue), reply);
  return ok_status();
}

Status Connection::publish(const Message& message, bool mandatory) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  props.content_type = bytes_of(message.content_type);
  std::vector<amqp_table_entry_t> entries;
  entries.reserve(message.headers.size());
  for (const auto& [name, value] : message.headers) entries.push_back(text_entry(name, value));
  if (!entries.empty()) {
    props._flags |= AMQP_BASIC_HEADERS_FLAG;
    props.headers = amqp_table_t{static_cast<int>(entries.size()), entries.data()};
  }
  std::string expiration;
  if (message.expiration) {
    expiration = std::to_string(std::max<long long>(0, message.expiration->count()));
    props._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    props.expiration = bytes_of(expiration);
  }
  if (message.timestamp) {
    props._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
    props.timestamp = static_cast<std::uint64_t>(*message.timestamp);
  }
  int rc = amqp_basic_publish(state_, kChannel, amqp_empty_bytes, bytes_of(message.queue), mandatory ? 1 : 0, 0,
                              &props, bytes_of(message.body));
  if (rc != AMQP_STATUS_OK) return unavailable("publish", amqp_error_string2(rc));
  return ok_status();
}

Status Connection::wait_confirm(std::uint64_t seq, std::string_view routing_key, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool returned = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return unavailable("publish", "no confirm from the broker in time");
    amqp_frame_t frame;
    int rc = wait_frame(frame, left);
    if (rc == AMQP_STATUS_TIMEOUT) continue;  // the loop reports the timeout
    if (rc != AMQP_STATUS_OK) return unavailable("publish", amqp_error_string2(rc));
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
        if (ack->delivery_tag != seq && !(ack->multiple && ack->delivery_tag >= seq)) continue;  // an older one
        release_buffers();
        // With mandatory set, basic.return comes before the ack of an unroutable message.
        if (returned)
          return unavailable("publish",
                             "message returned as unroutable: queue " + std::string(routing_key) + " is missing");
        return ok_status();
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
        if (nack->delivery_tag != seq && !(nack->multiple && nack->delivery_tag >= seq)) continue;
        return unavailable("publish", "the broker refused the message (basic.nack)");
      }
      case AMQP_BASIC_RETURN_METHOD: {
        amqp_message_t message;
        auto reply = read_message(frame.channel, message);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) return from_reply("publish", reply);
        amqp_destroy_message(&message);
        returned = true;
        continue;
      }
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        answer_close(frame);
        return unavailable("publish", describe_close(frame));
      default:
        continue;
    }
  }
}

Status Connection::ack(std::uint64_t delivery_tag) {
  if (int rc = amqp_basic_ack(state_, kChannel, delivery_tag, 0); rc != AMQP_STATUS_OK)
    return unavailable("ack", amqp_error_string2(rc));
  return ok_status();
}

Status Connection::reject(std::uint64_t delivery_tag, bool requeue) {
  if (int rc = amqp_basic_reject(state_, kChannel, delivery_tag, requeue ? 1 : 0); rc != AMQP_STATUS_OK)
    return unavailable("reject", amqp_error_string2(rc));
  return ok_status();
}

int Connection::wait_frame(amqp_frame_t& frame, std::chrono::milliseconds timeout) {
  timeval tv = to_timeval(timeout);
  return amqp_simple_wait_frame_noblock(state_, &frame, &tv);
}

amqp_rpc_reply_t Connection::consume_message(amqp_envelope_t& envelope, std::chrono::milliseconds timeout) {
  timeval tv = to_timeval(timeout);
  return amqp_consume_message(state_, &envelope, &tv, 0);
}

amqp_rpc_reply_t Connection::read_message(amqp_channel_t channel, amqp_message_t& message) {
  return amqp_read_message(state_, channel, &message, 0);
}

void Connection::answer_close(const amqp_frame_t& frame) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return;
  if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    amqp_channel_close_ok_t ok{};
    amqp_send_method(state_, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  } else if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    amqp_connection_close_ok_t ok{};
    amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
  }
}

void Connection::release_buffers() { amqp_maybe_release_buffers(state_); }

void Connection::set_rpc_timeout(std::chrono::milliseconds timeout) {
  timeval tv = to_timeval(timeout);
  amqp_set_rpc_timeout(state_, &tv);
}

}  // namespace htut::queue

namespace htut::queue {

void Connection::close(std::chrono::milliseconds timeout) {
  if (state_ == nullptr) return;
  set_rpc_timeout(timeout);
  amqp_channel_close(state_, kChannel, AMQP_REPLY_SUCCESS);
  amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  destroy();
}

}  // namespace htut::queue
