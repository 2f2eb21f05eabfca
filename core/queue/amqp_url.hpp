#pragma once
// Parsing an AMQP URL (amqp:// or amqps://) into what a connection needs.
// Pure: no I/O. We do not use rabbitmq-c's amqp_parse_url because it mutates
// its input, rejects any ?query and maps a trailing "/" to the empty vhost.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace htut::queue {

struct AmqpUrl {
  bool tls = false;           // amqps://
  std::string host;           // without IPv6 brackets
  std::uint16_t port = 5672;  // 5671 for amqps:// when not given
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";  // percent-decoded; no path or "/" means "/"

  // host:port/vhost, safe to log (never the password).
  std::string describe() const;
};

// Parses `url`. A ?query or #fragment is ignored (CloudAMQP adds none, but
// amqp_parse_url would fail on one). Errors never contain the password.
Result<AmqpUrl> parse_amqp_url(std::string_view url);

}  // namespace htut::queue
