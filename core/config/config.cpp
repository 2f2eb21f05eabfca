#include "config/config.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <charconv>
#include <cstdlib>
#include <regex>
#include <thread>

#include "log/log.hpp"

namespace htut::config {
namespace {

std::optional<std::string> get(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string require(const char* name, const char* what) {
  auto v = get(name);
  if (!v) throw ConfigError(std::string(name) + " is required: " + what);
  return *v;
}

template <class Int>
Int parse_int(const char* name, const std::string& text, Int min, Int max) {
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max)
    throw ConfigError(std::string(name) + " must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", got '" + text + "'");
  return value;
}

int default_concurrency() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// "amqp" of "amqp://…", or "" when the text does not start with a scheme.
std::string scheme_of(std::string_view url) {
  auto end = url.find("://");
  if (end == std::string_view::npos || end == 0 || end > 16) return "";
  for (char c : url.substr(0, end))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
  return std::string(url.substr(0, end));
}

// An '@' after the authority means the user-info held a raw '/', '?' or '#'
// (e.g. a password "ab/c@d" written unencoded): the parser then took part of
// the password for the host, port or path.
bool misplaced_at(const boost::urls::url_view& u) {
  return u.encoded_path().find('@') != boost::core::string_view::npos ||
         u.encoded_query().find('@') != boost::core::string_view::npos ||
         u.encoded_fragment().find('@') != boost::core::string_view::npos;
}

void check_url(const char* name, const std::string& url, std::initializer_list<const char*> schemes) {
  auto parsed = boost::urls::parse_uri(url);
  std::string list;
  for (const char* s : schemes) list += std::string(list.empty() ? "" : " or ") + s + "://";
  if (!parsed || misplaced_at(*parsed)) {
    // Nothing after "://" is shown: a raw '/' or '@' moves the password where a parser takes it for the host.
    throw ConfigError(std::string(name) + " is not a valid " + list + " URL (" + redact_url(url) +
                      " followed by text that does not parse; characters such as / ? # @ % : in the user "
                      "name or password must be percent-encoded, e.g. / as %2F, @ as %40)");
  }
  bool scheme_ok = false;
  for (const char* s : schemes) scheme_ok = scheme_ok || parsed->scheme() == s;
  if (!scheme_ok) throw ConfigError(std::string(name) + " must be a " + list + " URL, got '" + redact_url(url) + "'");
}

// Every form in which the password of `url` could show up in a library's
// message, registered with the log so no line carries it: as written, decoded,
// and, when the URL is malformed, the pieces a parser would cut it into.
void register_url_secrets(const std::string& url) {
  auto rest_at = url.find("://");
  if (rest_at == std::string::npos) return;
  std::string rest = url.substr(rest_at + 3);
  auto at = rest.rfind('@');
  if (at == std::string::npos) return;
  std::string userinfo = rest.substr(0, at);
  auto colon = userinfo.find(':');
  if (colon == std::string::npos) return;
  std::string password = userinfo.substr(colon + 1);
  log::add_secret(password);
  if (auto decoded = boost::urls::parse_uri(url); decoded && decoded->has_password() && !misplaced_at(*decoded))
    log::add_secret(std::string(decoded->password()));
  std::string piece;
  for (char c : password + "/") {
    if (c == '/' || c == '?' || c == '#' || c == '@' || c == ':') {
      log::add_secret(piece);
      piece.clear();
    } else {
      piece += c;
    }
  }
}

}  // namespace

Needs needs_for_role(const std::string& role) {
  Needs n;
  if (role == "web") n.http = n.database = n.amqp = n.storage = true;
  if (role == "worker") n.database = n.amqp = n.storage = n.worker = n.count = true;
  if (role == "count") n.count = true;
  if (role == "migrate") n.database = true;
  if (role == "s3") n.storage = true;
  return n;
}

std::string redact_url(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || misplaced_at(*parsed)) {
    // Fail closed: what a parser cannot read may hold a password anywhere.
    auto scheme = scheme_of(url);
    return scheme.empty() ? std::string("(not a URL)") : scheme + "://";
  }
  if (!parsed->has_password()) return url;
  boost::urls::url u(*parsed);
  u.set_password("***");
  return std::string(u.buffer());
}

std::string region_from_endpoint(const std::string& location) {
  auto parsed = boost::urls::parse_uri(location);
  if (!parsed) return "";
  std::string host(parsed->host());
  static const std::regex pattern(R"((?:^|\.)s3[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$)");
  std::smatch m;
  if (std::regex_search(host, m, pattern)) {
    std::string region = m[1];
    if (region != "external-1" && region.find("accelerate") == std::string::npos &&
        region != "dualstack")
      return region;
  }
  return "";
}

Config load(const Needs& needs) {
  Config c;
  if (needs.http) {
    if (auto v = get("PORT")) c.port = parse_int<int>("PORT", *v, 1, 65535);
    c.me = get("ME");
    auto secret = get("FLASK_SECRET_KEY");
    if (!secret) secret = get("SECRET_KEY");
    if (!secret) throw ConfigError("FLASK_SECRET_KEY is required: a random string of at least 16 bytes for signing session cookies");
    if (secret->size() < 16)
      throw ConfigError("FLASK_SECRET_KEY is too short: it must be at least 16 bytes (got " + std::to_string(secret->size()) + ")");
    c.secret_key = *secret;
    log::add_secret(c.secret_key);
    if (auto v = get("MAX_UPLOAD_BYTES"))
      c.max_upload_bytes = parse_int<std::uint64_t>("MAX_UPLOAD_BYTES", *v, 1, std::uint64_t{1} << 40);
    if (auto v = get("UPLOAD_MEMORY_BYTES"))
      c.upload_memory_bytes = parse_int<std::uint64_t>("UPLOAD_MEMORY_BYTES", *v, 1 << 20, std::uint64_t{1} << 40);
    c.web_concurrency = default_concurrency();
    if (auto v = get("WEB_CONCURRENCY")) c.web_concurrency = parse_int<int>("WEB_CONCURRENCY", *v, 1, 256);
  }
  if (needs.worker) {
    c.worker_concurrency = default_concurrency();
    if (auto v = get("WORKER_CONCURRENCY")) c.worker_concurrency = parse_int<int>("WORKER_CONCURRENCY", *v, 1, 256);
  }
  if (needs.count) {
    if (auto v = get("COUNT_MEMORY_BYTES"))
      c.count_memory_bytes = parse_int<std::uint64_t>("COUNT_MEMORY_BYTES", *v, 1, std::uint64_t{1} << 40);
    c.tmp_dir = get("TMPDIR").value_or("/tmp");
  }
  if (needs.database) {
    c.database_url = require("DATABASE_URL", "the PostgreSQL URL, e.g. postgres://user:pass@host:5432/db");
    register_url_secrets(c.database_url);
    check_url("DATABASE_URL", c.database_url, {"postgres", "postgresql"});
  }
  if (needs.amqp) {
    auto url = get("CLOUDAMQP_URL");
    if (!url) url = get("AMQP_URL");
    if (!url) throw ConfigError("CLOUDAMQP_URL is required: the RabbitMQ URL, e.g. amqp://user:pass@host:5672/vhost (AMQP_URL is read when it is unset)");
    register_url_secrets(*url);
    check_url(get("CLOUDAMQP_URL") ? "CLOUDAMQP_URL" : "AMQP_URL", *url, {"amqp", "amqps"});
    c.amqp_url = *url;
  }
  if (needs.storage) {
    c.s3.location = require("S3_LOCATION", "the S3 endpoint, e.g. https://s3-us-west-1.amazonaws.com/, or file:///abs/dir for local storage");
    c.s3.upload_directory = get("S3_UPLOAD_DIRECTORY").value_or("files");
    if (c.s3.is_file()) {
      auto parsed = boost::urls::parse_uri(c.s3.location);
      if (!parsed || parsed->path().empty() || parsed->path().front() != '/' || !parsed->host().empty())
        throw ConfigError("S3_LOCATION must be file:///absolute/dir for local storage, got '" + c.s3.location + "'");
    } else {
      check_url("S3_LOCATION", c.s3.location, {"http", "https"});
      c.s3.key = require("S3_KEY", "the S3 access key id (required when S3_LOCATION is http(s))");
      c.s3.secret = require("S3_SECRET", "the S3 secret access key (required when S3_LOCATION is http(s))");
      c.s3.bucket = require("S3_BUCKET", "the bucket name (required when S3_LOCATION is http(s))");
      c.s3.session_token = get("S3_SESSION_TOKEN").value_or("");
      log::add_secret(c.s3.secret);
      log::add_secret(c.s3.session_token);
      c.s3.region = get("S3_REGION").value_or("");
      if (c.s3.region.empty()) c.s3.region = region_from_endpoint(c.s3.location);
      if (c.s3.region.empty()) c.s3.region = "us-east-1";
    }
  }
  return c;
}

}  // namespace htut::config
