#include "queue/amqp_url.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

#include "config/config.hpp"

namespace htut::queue {
namespace {

Error bad_url(std::string_view url, const std::string& why) {
  return make_error(Error::Kind::invalid, "invalid AMQP URL '" + config::redact_url(std::string(url)) + "': " + why +
                                              " (expected amqp[s]://user:password@host[:port][/vhost])");
}

}  // namespace

std::string AmqpUrl::describe() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port) + " vhost " + vhost;
}

Result<AmqpUrl> parse_amqp_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return bad_url(url, "not a URL");
  AmqpUrl out;
  if (parsed->scheme() == "amqps") {
    out.tls = true;
    out.port = 5671;
  } else if (parsed->scheme() != "amqp") {
    return bad_url(url, "the scheme must be amqp or amqps");
  }
  if (!parsed->has_authority() || parsed->host().empty()) return bad_url(url, "no host");

  // host_address() keeps IPv6 literals without their brackets.
  out.host = parsed->host_type() == boost::urls::host_type::ipv6 ? std::string(parsed->host_address())
                                                                 : std::string(parsed->host());
  if (parsed->has_port()) {
    auto text = parsed->port();
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value == 0 || value > 65535)
      return bad_url(url, "the port must be a number from 1 to 65535");
    out.port = static_cast<std::uint16_t>(value);
  }
  if (parsed->has_userinfo()) {
    out.user = parsed->user();
    out.password = parsed->has_password() ? std::string(parsed->password()) : std::string();
  }

  // The vhost is the one path segment, percent-decoded ("%2F" is "/").
  // No path, or a bare "/", means the default vhost "/".
  auto encoded_path = parsed->encoded_path();
  // Boost.URL 1.81 reads "amqp://h:567%2F" as port 567 + path "%2F" (boostorg/url#636).
  if (!encoded_path.empty() && encoded_path.front() != '/')
    return bad_url(url, "malformed URL: the vhost must follow the host[:port] after a '/'");
  if (encoded_path.size() > 1) {
    auto segment = encoded_path.substr(1);
    if (segment.find('/') != std::string_view::npos)
      return bad_url(url, "the path must be one segment, the vhost (write '/' inside it as %2F)");
    out.vhost = std::string(parsed->path()).substr(1);
  }
  return out;
}

}  // namespace htut::queue
