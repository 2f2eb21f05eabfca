#pragma once
// libpq, loaded with dlopen on first use instead of linked, so that starting
// `htut count` (which never talks to PostgreSQL) does not load libpq and its
// dependencies (common/shared_library.hpp says why). Every libpq call in htut
// goes through this table: `const LibPq& pq = libpq(); pq.exec(conn, sql)`
// calls PQexec. The roles that use the database call libpq() at start-up, so
// a missing libpq5 fails there with a clear message.
#include <libpq-fe.h>

#include <string>

namespace htut::db {

// The functions htut uses, without their "PQ" prefix: X(exec) is PQexec.
// clang-format off
#define HTUT_LIBPQ_FUNCTIONS(X) \
  X(connectdbParams) X(status) X(errorMessage) X(finish) X(setNoticeProcessor) X(execParams) X(exec) \
  X(resultStatus) X(resultErrorField) X(clear) X(ntuples) X(nfields) X(getisnull) X(getvalue) X(getlength) \
  X(cmdTuples) X(socket) X(consumeInput) X(transactionStatus) X(notifies) X(freemem) X(conninfoParse) \
  X(conninfoFree) X(libVersion)
// clang-format on

struct LibPq {
#define HTUT_LIBPQ_MEMBER(name) decltype(&::PQ##name) name = nullptr;
  HTUT_LIBPQ_FUNCTIONS(HTUT_LIBPQ_MEMBER)
#undef HTUT_LIBPQ_MEMBER
};

// The table for libpq.so.5, loaded once (thread-safe); throws
// common::LibraryError ("libpq.so.5 could not be loaded (...): install
// Debian's libpq5 ...") when the library or a function is missing; a later
// call tries again.
const LibPq& libpq();

// Loads the table from `soname` (libpq() uses "libpq.so.5"; tests ask for a
// missing one). Throws common::LibraryError.
LibPq load_libpq(const std::string& soname);

}  // namespace htut::db
