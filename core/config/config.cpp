#include "config/config.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <charconv>
#include <cstdlib>
#include <regex>
#include <thread>

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

void check_url(const char* name, const std::string& url, std::initializer_list<const char*> schemes) {
  auto parsed = boost::urls::parse_uri(url);
  bool scheme_ok = false;
  if (parsed) {
    for (const char* s : schemes) scheme_ok = scheme_ok || parsed->scheme() == s;
  }
  if (!parsed || !scheme_ok) {
    std::string list;
    for (const char* s : schemes) list += std::string(list.empty() ? "" : " or ") + s + "://";
    throw ConfigError(std::string(name) + " must be a " + list + " URL, got '" + redact_url(url) + "'");
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
  if (!parsed || !parsed->has_password()) return url;
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
    if (auto v = get("MAX_UPLOAD_BYTES"))
      c.max_upload_bytes = parse_int<std::uint64_t>("MAX_UPLOAD_BYTES", *v, 1, std::uint64_t{1} << 40);
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
    check_url("DATABASE_URL", c.database_url, {"postgres", "postgresql"});
  }
  if (needs.amqp) {
    auto url = get("CLOUDAMQP_URL");
    if (!url) url = get("AMQP_URL");
    if (!url) throw ConfigError("CLOUDAMQP_URL is required: the RabbitMQ URL, e.g. amqp://user:pass@host:5672/vhost (AMQP_URL is read when it is unset)");
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
      c.s3.region = get("S3_REGION").value_or("");
      if (c.s3.region.empty()) c.s3.region = region_from_endpoint(c.s3.location);
      if (c.s3.region.empty()) c.s3.region = "us-east-1";
    }
  }
  return c;
}

}  // namespace htut::config
