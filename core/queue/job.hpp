#pragma once
// The word-count job message (pure): what the web role publishes and the
// worker consumes. JSON: {"document_slug":…, "time_uploaded": RFC 3339, "s3_key":…}.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace htut::queue {

struct Job {
  std::string document_slug;
  std::string time_uploaded;  // RFC 3339, e.g. 2026-11-28T15:04:05.123456Z
  std::string s3_key;
  bool operator==(const Job&) const = default;
};

// The message body: a JSON object with exactly the three fields.
std::string job_to_json(const Job& job);

// Rejects invalid JSON, a non-object, a missing/empty/non-string field and a
// time_uploaded that is not RFC 3339, each with a message naming the problem.
// Unknown extra fields are ignored (a newer publisher may add some).
Result<Job> parse_job(std::string_view body);

// True for an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM),
// 'T' or 't' or ' ' as separator, fields in range (leap second 60 allowed).
bool is_rfc3339(std::string_view text);

}  // namespace htut::queue
