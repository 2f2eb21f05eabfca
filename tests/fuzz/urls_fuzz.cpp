// Fuzz target: URL and connection-string handling in config, queue and db.
// Invariants: region_from_endpoint returns "" or a plausible region;
// redact_url removes a password of 4+ characters (and leaves a URL without
// one untouched); parse_amqp_url gives a usable host/port and never puts the
// password in its error or describe(); libpq's conninfo parsing never crashes.
#include <boost/url/parse.hpp>

#include "config/config.hpp"
#include "db/conninfo.hpp"
#include "fuzz_target.hpp"
#include "fuzz_util.hpp"
#include "queue/amqp_url.hpp"

namespace {

using htut::fuzz::show;

std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A secret counts as leaked when the output holds it more often than the rest of
// the URL (host, path, user...) explains: the input minus the password itself.
void check_hidden(std::string_view secret, std::string_view input, std::string_view output, const char* what) {
  if (secret.size() < 4 || secret.find('*') != std::string_view::npos) return;  // "***" is the stand-in
  if (occurrences(input, secret) == 0) return;  // e.g. a decoded form the URL spells differently
  HTUT_FUZZ_CHECK(occurrences(output, secret) < occurrences(input, secret),
                  std::string(what) + " leaks the password " + show(secret) + ": " + show(output));
}

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
  if (!parsed || !parsed->has_password()) {
    HTUT_FUZZ_CHECK(redacted == url, "a URL without a password changed: " + show(url) + " -> " + show(redacted));
    return;
  }
  check_hidden(parsed->encoded_password(), url, redacted, "redact_url");
  check_hidden(std::string(parsed->password()), url, redacted, "redact_url (decoded)");
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
    HTUT_FUZZ_CHECK(amqp.error().kind == htut::Error::Kind::invalid, "unexpected error kind");
    check_hidden(password, url, amqp.error().message, "parse_amqp_url error");
    return;
  }
  HTUT_FUZZ_CHECK(!amqp->host.empty() && amqp->port != 0, "no host or port from " + show(url));
  HTUT_FUZZ_CHECK(!amqp->vhost.empty(), "empty vhost from " + show(url));
  HTUT_FUZZ_CHECK(parsed_uri && amqp->tls == (parsed_uri->scheme() == "amqps"),
                  "tls flag does not match the scheme: " + show(url));
  const std::string described = amqp->describe();
  if (amqp->host.find(password) == std::string::npos && amqp->vhost.find(password) == std::string::npos &&
      password.size() >= 4)
    HTUT_FUZZ_CHECK(described.find(password) == std::string::npos, "describe() leaks the password: " + show(described));
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
