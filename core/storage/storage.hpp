#pragma once
// Object storage as the rest of htut sees it: S3 (SigV4 over libcurl) for http(s)
// locations, a local directory for file:// ones. Both stream with bounded memory.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "storage/retry_policy.hpp"

namespace htut::storage {

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // without quotes
};

// Pulls the next bytes into buf (up to cap); returns 0 at end of data, or an Error to abort the upload.
using Reader = std::function<Result<std::size_t>(char* buf, std::size_t cap)>;
// Receives the object's bytes in order; returning an Error aborts the download.
using Sink = std::function<Status(std::string_view chunk)>;

struct PutOptions {
  std::string content_type = "text/plain; charset=utf-8";
};

// An object written in parts as its bytes arrive, with no thread waiting for
// them: the caller holds the bytes, hands over a part whenever it has enough
// (at least Storage::min_part_size(), except the last), then finishes.
// Destroying an unfinished writer aborts it (nothing stays visible, no
// multipart upload is left behind). Calls are sequential (one at a time).
class PartWriter {
 public:
  virtual ~PartWriter() = default;
  virtual Status write_part(std::string_view data) = 0;
  virtual Result<ObjectInfo> finish(std::string_view last) = 0;
  virtual void abort() = 0;
};

// Error kinds: not_found (missing object), unavailable (unreachable/5xx after retries),
// forbidden (credentials), invalid (bad key or argument), internal.
class Storage {  // thread-safe: many threads may call concurrently
 public:
  virtual ~Storage() = default;
  virtual Result<ObjectInfo> put(const std::string& key, const Reader& reader, const PutOptions& options = {}) = 0;
  virtual Status get(const std::string& key, const Sink& sink) = 0;             // Error::Kind::not_found when missing
  virtual Result<ObjectInfo> head(const std::string& key) = 0;                  // not_found when missing
  virtual Status remove(const std::string& key) = 0;                            // ok when already missing
  virtual Result<std::vector<ObjectInfo>> list(const std::string& prefix) = 0;  // all pages, sorted by key
  virtual Result<std::string> presign_get(const std::string& key,
                                          std::chrono::seconds expires) = 0;  // file:// URL for local
  virtual Status check() = 0;  // cheap reachability/credentials check for /healthz
  // Starts an object written part by part (no request is made before the first part).
  // (The defaults suit storages that cannot do it: every write fails.)
  virtual std::unique_ptr<PartWriter> start_put(const std::string& key, const PutOptions& options = {});
  virtual std::size_t min_part_size() const { return 0; }  // every part but the last is at least this big
};

// http(s) -> S3, file:// -> local directory. Throws std::invalid_argument for a location
// config::load would have rejected. `retries`: how an S3 request retries transient
// failures (the worker asks for fewer: it puts a job back with a delay instead).
std::unique_ptr<Storage> make_storage(const config::S3Config& config, const RetryPolicy& retries = {});

// A writer whose every call fails with `why`.
std::unique_ptr<PartWriter> refusing_writer(Error why);

// Convenience readers/sinks.
Reader string_reader(std::string_view data);  // data must outlive the reader
Sink string_sink(std::string& out);

}  // namespace htut::storage
