#pragma once
// Turns S3 answers into htut Errors: one line saying what failed and what to do,
// never a secret or a signature. Pure; no I/O.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace htut::storage {

// what: the operation, e.g. "GET files/a.txt". body: the (XML) error body, maybe empty (HEAD).
Error s3_error(std::string_view what, long status, std::string_view body);

// Worth retrying: 5xx (incl. 503 SlowDown), plus SlowDown/InternalError codes whatever the status.
bool is_retryable_status(long status, std::string_view body);

// Makes text safe for a one-line message: control characters become spaces, long text is cut.
std::string one_line(std::string_view text, std::size_t max = 300);

}  // namespace htut::storage
