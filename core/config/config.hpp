#pragma once
// The configuration of every role, read from the environment in one place.
// A missing or malformed variable is one ConfigError line naming it.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace htut::config {

struct S3Config {
  std::string location;          // S3_LOCATION: http(s)://endpoint/ or file:///abs/dir
  std::string key;               // S3_KEY
  std::string secret;            // S3_SECRET
  std::string session_token;     // S3_SESSION_TOKEN (may be empty)
  std::string bucket;            // S3_BUCKET
  std::string region;            // S3_REGION, or derived from the endpoint host, else us-east-1
  std::string upload_directory;  // S3_UPLOAD_DIRECTORY, default "files"
  bool is_file() const { return location.rfind("file://", 0) == 0; }
};

struct Config {
  int port = 5000;
  std::optional<std::string> me;
  std::string database_url;
  std::string amqp_url;
  S3Config s3;
  std::string secret_key;
  std::uint64_t max_upload_bytes = 104857600;
  std::uint64_t upload_memory_bytes = 67108864;  // UPLOAD_MEMORY_BYTES
  int web_concurrency = 1;
  int worker_concurrency = 1;
  std::uint64_t count_memory_bytes = 50331648;  // COUNT_MEMORY_BYTES: one count's budget before it spills
  std::string tmp_dir = "/tmp";                 // TMPDIR: where a count spills
};

// What a role needs; load() only validates (and requires) those parts.
struct Needs {
  bool http = false;      // PORT, ME, FLASK_SECRET_KEY, MAX_UPLOAD_BYTES, WEB_CONCURRENCY
  bool database = false;  // DATABASE_URL
  bool amqp = false;      // CLOUDAMQP_URL / AMQP_URL
  bool storage = false;   // S3_*
  bool worker = false;    // WORKER_CONCURRENCY
  bool count = false;     // COUNT_MEMORY_BYTES, TMPDIR
};

Needs needs_for_role(const std::string& role);  // "web", "worker", "migrate", "s3", "count"

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads the environment. Throws ConfigError("S3_BUCKET is required when S3_LOCATION is http(s)").
Config load(const Needs& needs);

// Region from an endpoint host: s3-us-west-1.amazonaws.com, s3.us-west-1.amazonaws.com,
// bucket.s3.eu-central-1.amazonaws.com -> the region; anything else -> "".
std::string region_from_endpoint(const std::string& location);

// A URL with its password replaced by "***", safe to log.
std::string redact_url(const std::string& url);

}  // namespace htut::config
