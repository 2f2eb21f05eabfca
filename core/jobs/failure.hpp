#pragma once
// Why a job did not end `done`, decided once, here (docs/queue.md, "Jobs
// that fail"). Pure: no I/O.
//
//   permanent  the document is failed with `error` (a sentence for a person)
//              and the message dead-lettered at once; the object is not
//              fetched again: missing object, access denied, a bad key, an
//              answer storage will give again (4xx), content that cannot be
//              counted (a budget exceeded), a count the database refuses.
//   transient  the document stays pending and the job comes back after a
//              growing delay: storage, database or broker unavailable,
//              timeouts, 5xx, SlowDown, connection resets.
#include <exception>
#include <string>

#include "common/result.hpp"

namespace htut::jobs {

// Where in the job it happened: the same Error kind means different things.
enum class Stage { read_object, count, database };

struct Failure {
  bool transient = false;
  std::string error;  // for the document's `error` (permanent) or the log (transient)
};

Failure classify(Stage stage, const Error& error, const std::string& key);

// A job started this many times without an outcome (its worker died each
// time) is failed on its next delivery with crash_error().
inline constexpr int kMaxStartsWithoutOutcome = 3;
std::string crash_error();

// An exception escaped the job (a bug, or memory exhausted): the document is
// failed with this text, the process goes on.
std::string exception_error(const std::exception* e);

}  // namespace htut::jobs
