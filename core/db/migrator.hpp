#pragma once
// Schema migrations: SQL files named NNNN_description.sql, embedded in the
// binary, applied in version order, each in its own transaction, each once,
// recorded in schema_migrations. The whole run holds a PostgreSQL advisory
// lock, so two `htut migrate` at once are safe: the second waits, then finds
// nothing left to do.
#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/embedded.hpp"
#include "common/result.hpp"
#include "db/connection.hpp"

namespace htut::db {

struct Migration {
  int version = 0;   // NNNN
  std::string name;  // the file name, e.g. "0001_create_file_upload_meta.sql"
  std::string_view sql;
};

// "0001_create_x.sql" -> 1. `invalid` unless the name is 4+ digits (not all
// zero), '_', a description of [a-z0-9_], ".sql".
Result<int> migration_version(std::string_view file_name);

// Validates names and orders by version; duplicate versions are `invalid`.
Result<std::vector<Migration>> load_migrations(std::span<const EmbeddedFile> files);

// The advisory lock key ("htut" in ASCII) shared by every migrate run.
inline constexpr long long migration_lock_key = 0x68747574;

// Holds the migration lock (a session-level advisory lock on `conn`) until
// destroyed. Re-entrant: migrate() takes it again inside, so a caller can
// keep other release steps (htut migrate's broker upgrade) in the same
// critical section. Waits as long as another run holds it.
class MigrationLock {
 public:
  static Result<MigrationLock> acquire(Connection& conn);
  MigrationLock(MigrationLock&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  MigrationLock& operator=(MigrationLock&&) = delete;
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;
  ~MigrationLock();

 private:
  explicit MigrationLock(Connection& conn) : conn_(&conn) {}
  Connection* conn_;
};

struct MigrationRun {
  std::vector<Migration> applied;  // what this run applied, in order
  int version = 0;                 // the schema version when done (0: no migrations)
};

// Brings the database to the newest version. Calls `on_applied` right after
// each migration commits. Refuses (`conflict`, nothing changed) when the
// database records a version this binary does not know: it was migrated by a
// newer htut. `conn` should have no statement_timeout (waiting for the lock
// and big migrations take time).
Result<MigrationRun> migrate(Connection& conn, const std::vector<Migration>& migrations,
                             const std::function<void(const Migration&, std::chrono::milliseconds)>& on_applied = {});

}  // namespace htut::db
