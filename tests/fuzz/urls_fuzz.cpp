// Fuzz target: URL and connection-string handling in config, queue and db.
// Invariants: region_from_endpoint returns "" or a plausible region;
// redact_url replaces exactly the password with "***" (and leaves a URL
// without one untouched); parse_amqp_url gives a usable host/port, quotes the
// URL redacted in its errors, and neither its error text nor describe()
// depends on the password; libpq's conninfo parsing never crashes.
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "config/config.hpp"
#include "db/conninfo.hpp"
#include "fuzz_target.hpp"
#include "fuzz_util.hpp"
#include "queue/amqp_url.hpp"

namespace {

using htut::fuzz::show;

void check_region(const std::string& url) {
  const std::string region = htut::config::region_from_endpoint(url);
  if (region.empty()) return;
  HTUT_FUZZ_CHECK(region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos,
                  "region with odd characters: " + show(region));
  HTUT_FUZZ_CHECK(region != "external-1" && region != "dualstack" && region.find("accelerate") == std::string::npos,
                  "not a region: " + show(region));
  HTUT_FUZZ_CHECK(url.find(region) != std::string::npos, "region not taken from the URL: " + show(region));
}

void check_redact(const std::string& url) {
  const std::string redacted = htut::config::redact_url(url);
  const auto parsed = boost::urls::parse_uri(url);
  // Fail closed: a URL that does not parse, or whose user-info spilled into the
  // path, query or fragment (a raw '/' '?' '#' before an '@'), shows its scheme only.
  const bool spilled = parsed && (parsed->encoded_path().find('@') != boost::core::string_view::npos ||
                                  parsed->encoded_query().find('@') != boost::core::string_view::npos ||
                                  parsed->encoded_fragment().find('@') != boost::core::string_view::npos);
  if (!parsed || spilled) {
    const auto sep = redacted.find("://");
    HTUT_FUZZ_CHECK(redacted == "(not a URL)" || (sep != std::string::npos && sep + 3 == redacted.size() &&
                                                  url.rfind(redacted, 0) == 0),
                    "an unparseable URL shows more than its scheme: " + show(url) + " -> " + show(redacted));
    return;
  }
  if (!parsed->has_password()) {
    HTUT_FUZZ_CHECK(redacted == url, "a URL without a password changed: " + show(url) + " -> " + show(redacted));
    return;
  }
  // Exactly the password is replaced (in its encoded form, where it sits), nothing else changes.
  const std::string_view password = parsed->encoded_password();
  const auto at = static_cast<std::size_t>(password.data() - url.data());
  const std::string expected = url.substr(0, at) + "***" + url.substr(at + password.size());
  HTUT_FUZZ_CHECK(redacted == expected, "redact_url(" + show(url) + ") = " + show(redacted));
  const auto again = boost::urls::parse_uri(redacted);
  HTUT_FUZZ_CHECK(again && again->has_password() && again->encoded_password() == "***",
                  "redacted URL lost its shape: " + show(redacted));
}

void check_amqp(const std::string& url) {
  const auto parsed_uri = boost::urls::parse_uri(url);
  const std::string password =
      parsed_uri && parsed_uri->has_password() ? std::string(parsed_uri->encoded_password()) : std::string();
  const auto amqp = htut::queue::parse_amqp_url(url);
  if (!amqp) {
    const std::string& message = amqp.error().message;
    HTUT_FUZZ_CHECK(amqp.error().kind == htut::Error::Kind::invalid, "unexpected error kind");
    // The URL is quoted redacted (check_redact covers redact_url)...
    const std::string prefix = "invalid AMQP URL '" + htut::config::redact_url(url) + "': ";
    HTUT_FUZZ_CHECK(message.rfind(prefix, 0) == 0, "error does not quote the redacted URL: " + show(message));
    // ...and the rest does not depend on the password: the fixed text may
    // contain it by chance ("amqp", "password"), so compare with another password.
    if (parsed_uri && parsed_uri->has_password()) {
      boost::urls::url other(*parsed_uri);
      other.set_password("stand-in");
      const auto again = htut::queue::parse_amqp_url(other.buffer());
      HTUT_FUZZ_CHECK(!again, "the password decided whether " + show(url) + " parses");
      const std::string other_prefix =
          "invalid AMQP URL '" + htut::config::redact_url(std::string(other.buffer())) + "': ";
      HTUT_FUZZ_CHECK(again.error().message.substr(other_prefix.size()) == message.substr(prefix.size()),
                      "the error depends on the password: " + show(message));
    }
    return;
  }
  HTUT_FUZZ_CHECK(!amqp->host.empty() && amqp->port != 0, "no host or port from " + show(url));
  // regress-amqp-path-without-slash: "amqp://Q:567%2F" (port 567 + relative path "%2F" under
  // Boost.URL 1.81, boostorg/url#636) must be refused, never give an empty vhost.
  HTUT_FUZZ_CHECK(!amqp->vhost.empty(), "empty vhost from " + show(url));
  HTUT_FUZZ_CHECK(parsed_uri && amqp->tls == (parsed_uri->scheme() == "amqps"),
                  "tls flag does not match the scheme: " + show(url));
  // describe() (logged) must not depend on the password.
  if (parsed_uri->has_password()) {
    boost::urls::url other(*parsed_uri);
    other.set_password("stand-in");
    const auto again = htut::queue::parse_amqp_url(other.buffer());
    HTUT_FUZZ_CHECK(again && again->describe() == amqp->describe(),
                    "describe() depends on the password: " + show(amqp->describe()));
  }
}

void check_conninfo(const std::string& url) {
  (void)htut::db::url_password(url);  // libpq parser: only must not crash
  const auto params = htut::db::connect_parameters(url, {});
  HTUT_FUZZ_CHECK(!params.empty() && params.back().first == "dbname" && params.back().second == url,
                  "the URL must come last so its own settings win");
}

}  // namespace

HTUT_FUZZ_TARGET(urls) {
  const std::string url(htut::fuzz::as_text(data, size));
  check_region(url);
  check_redact(url);
  check_amqp(url);
  if (url.find('\0') == std::string::npos) check_conninfo(url);  // libpq takes a C string
  return 0;
}
