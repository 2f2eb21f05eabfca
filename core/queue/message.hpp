#pragma once
// A message as htut publishes it or finds it on a queue: always persistent,
// on the default exchange. Headers are kept as text (numbers and timestamps
// the broker adds, such as x-death's, are rendered as decimal text).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace htut::queue {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Our own headers on jobs that were put back or dead-lettered by a worker.
inline constexpr const char* kRetriesHeader = "x-htut-retries";  // transient retries so far
inline constexpr const char* kErrorHeader = "x-htut-error";      // why it was dead-lettered

struct Message {
  std::string queue;  // the routing key on the default exchange
  std::string body;
  std::string content_type = "application/json";
  Headers headers;
  std::optional<std::chrono::milliseconds> expiration;  // per-message TTL
  std::optional<std::int64_t> timestamp;                // seconds since the epoch
};

// The value of header `name`, if present.
std::optional<std::string> header(const Headers& headers, std::string_view name);
// A header read as a non-negative count (garbage or absent: 0).
int header_count(const Headers& headers, std::string_view name);

}  // namespace htut::queue
