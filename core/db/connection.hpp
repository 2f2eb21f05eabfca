#pragma once
// One PostgreSQL session: the RAII owner of libpq's PGconn. Every statement is
// parameterised (PQexecParams, text format): user data never becomes SQL text.
// Not thread-safe: one thread uses a Connection at a time (the Pool hands
// them out).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/conninfo.hpp"
#include "db/rows.hpp"

struct pg_conn;  // libpq's PGconn; only connection.cpp sees it

namespace htut::db {

using Param = std::optional<std::string>;  // nullopt is SQL NULL

struct Notification {
  std::string channel;
  std::string payload;
};

class Connection {
 public:
  // Connects (blocking, at most options.connect_timeout per host). Failure is
  // `unavailable` with libpq's reason, never the password.
  static Result<std::unique_ptr<Connection>> open(const std::string& url, const ConnectOptions& options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement with $1..$n parameters. A parameter with a NUL byte is
  // `invalid` and nothing is sent. Errors: see errors.hpp; a connection-level
  // failure also marks this connection broken.
  Result<Rows> exec(const std::string& sql, const std::vector<Param>& params = {});

  // Several statements in one string, no parameters (PQexec): only for SQL
  // that ships inside the binary, i.e. migrations.
  Status exec_script(const std::string& sql);

  // False once the session is known to be dead. Also peeks at the socket
  // without blocking, so a server that closed an idle connection (restart,
  // pg_terminate_backend) is noticed before the connection is reused.
  bool alive();
  // Alive and not inside a transaction block: safe to hand to someone else.
  bool reusable();

  // Waits up to `timeout` for NOTIFY messages (after a LISTEN on this
  // connection). Empty when none came; `unavailable` when the session died.
  Result<std::vector<Notification>> wait_notifications(std::chrono::milliseconds timeout);

 private:
  Connection(pg_conn* conn, std::string password);
  Error error_from(pg_result* result);  // result may be nullptr; marks the connection broken when needed
  std::vector<Notification> take_notifications();

  pg_conn* conn_;
  std::string password_;  // only to scrub it from error messages
  bool broken_ = false;
};

}  // namespace htut::db
