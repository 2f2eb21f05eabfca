#include "db/connection.hpp"

#include <poll.h>

#include <cerrno>

#include "db/errors.hpp"
#include "db/libpq_api.hpp"
#include "log/log.hpp"

namespace htut::db {
namespace {

// Server NOTICEs (e.g. "relation already exists, skipping") go to our log,
// not to stderr where libpq would print them by default.
void log_notice(void*, const char* message) {
  log::debug("database notice", {{"message", clean_message(message ? message : "", "")}});
}

bool wait_readable(int socket, int timeout_ms) {
  pollfd p{socket, POLLIN, 0};
  int rc = 0;
  do {
    rc = ::poll(&p, 1, timeout_ms);
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url, const ConnectOptions& options) {
  const LibPq& pq = libpq();
  auto params = connect_parameters(url, options);
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = pq.connectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  std::string password = url_password(url);
  if (raw == nullptr) return unavailable_error("out of memory while connecting");
  if (pq.status(raw) != CONNECTION_OK) {
    std::string why = clean_message(pq.errorMessage(raw), password);
    pq.finish(raw);
    return unavailable_error(why);
  }
  pq.setNoticeProcessor(raw, log_notice, nullptr);
  std::unique_ptr<Connection> conn(new Connection(raw, std::move(password)));
  // set_config(..., false): for the whole session, parameterised like all else.
  auto set = conn->exec("SELECT set_config('statement_timeout', $1, false)",
                        {std::to_string(options.statement_timeout.count())});
  if (!set) return set.error();
  return conn;
}

Connection::Connection(pg_conn* conn, std::string password) : conn_(conn), password_(std::move(password)) {}

Connection::~Connection() { libpq().finish(conn_); }

Result<Rows> Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  const LibPq& pq = libpq();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    if (p && contains_nul(*p)) return make_error(Error::Kind::invalid, "text contains a NUL byte");
    values.push_back(p ? p->c_str() : nullptr);
  }
  // Text format both ways; lengths and formats are ignored for text params.
  PGresult* res =
      pq.execParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  auto status = res ? pq.resultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(res);
  Error e = error_from(res);
  pq.clear(res);
  return e;
}

Status Connection::exec_script(const std::string& sql) {
  const LibPq& pq = libpq();
  PGresult* res = pq.exec(conn_, sql.c_str());
  auto status = res ? pq.resultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    pq.clear(res);
    return ok_status();
  }
  Error e = error_from(res);
  pq.clear(res);
  return e;
}

Error Connection::error_from(pg_result* res) {
  const LibPq& pq = libpq();
  const char* state = res ? pq.resultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  const char* primary = res ? pq.resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = clean_message(primary ? primary : pq.errorMessage(conn_), password_);
  // A lost session shows either as a bad PQstatus (libpq noticed the socket
  // died; such errors carry no SQLSTATE) or as a connection-class SQLSTATE.
  if (pq.status(conn_) != CONNECTION_OK || is_connection_sqlstate(sqlstate)) {
    broken_ = true;
    return unavailable_error(message.empty() ? "connection lost" : message);
  }
  auto kind = kind_for_sqlstate(sqlstate);
  switch (kind) {
    case Error::Kind::unavailable:
      return unavailable_error(message);
    case Error::Kind::invalid:
      return make_error(kind, "the database rejected the data: " + message);
    default:
      return make_error(kind, "database error" + (sqlstate.empty() ? "" : " " + sqlstate) + ": " + message);
  }
}

bool Connection::alive() {
  const LibPq& pq = libpq();
  if (broken_ || pq.status(conn_) != CONNECTION_OK) return false;
  // An idle session has nothing to read; if the socket is readable the server
  // either sent a notification or closed it (restart, terminate): let libpq
  // read it and tell.
  int socket = pq.socket(conn_);
  if (socket < 0) return false;
  // Loop: the server's FATAL message and the end of the stream may arrive in
  // separate reads, and only reading the end makes libpq mark the session bad.
  for (int i = 0; i < 4 && !broken_ && wait_readable(socket, 0); ++i) {
    if (pq.consumeInput(conn_) == 0) broken_ = true;
  }
  return !broken_ && pq.status(conn_) == CONNECTION_OK;
}

bool Connection::reusable() { return alive() && libpq().transactionStatus(conn_) == PQTRANS_IDLE; }

std::vector<Notification> Connection::take_notifications() {
  const LibPq& pq = libpq();
  std::vector<Notification> out;
  while (PGnotify* n = pq.notifies(conn_)) {
    out.push_back({n->relname ? n->relname : "", n->extra ? n->extra : ""});
    pq.freemem(n);
  }
  return out;
}

Result<std::vector<Notification>> Connection::wait_notifications(std::chrono::milliseconds timeout) {
  const LibPq& pq = libpq();
  auto got = take_notifications();
  if (!got.empty()) return got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (broken_ || pq.status(conn_) != CONNECTION_OK) return unavailable_error("connection lost");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return got;
    int socket = pq.socket(conn_);
    if (socket < 0) return unavailable_error("connection lost");
    if (!wait_readable(socket, static_cast<int>(left.count()))) continue;  // timed out: loop sees the deadline
    if (pq.consumeInput(conn_) == 0) {
      broken_ = true;
      return unavailable_error(clean_message(pq.errorMessage(conn_), password_));
    }
    got = take_notifications();
    if (!got.empty()) return got;
  }
}

}  // namespace htut::db
