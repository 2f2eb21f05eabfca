#include "db/migrator.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace htut::db {
namespace {

Status run_in_transaction(Connection& conn, const Migration& m) {
  if (auto begun = conn.exec("BEGIN"); !begun) return begun.error();
  Status step = conn.exec_script(std::string(m.sql));
  if (step) {
    auto recorded =
        conn.exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", {std::to_string(m.version), m.name});
    if (!recorded) step = recorded.error();
  }
  if (step) {
    auto committed = conn.exec("COMMIT");
    if (!committed) step = committed.error();
  }
  if (!step) {
    if (conn.alive()) (void)conn.exec("ROLLBACK");
    return make_error(step.error().kind, "migration " + m.name + " failed: " + step.error().message);
  }
  return ok_status();
}

}  // namespace

Result<MigrationLock> MigrationLock::acquire(Connection& conn) {
  if (auto locked = conn.exec("SELECT pg_advisory_lock($1)", {std::to_string(migration_lock_key)}); !locked)
    return locked.error();
  return MigrationLock(conn);
}

// Releases the lock however the holder returns (it would also go away with
// the session, but the caller may keep the connection).
MigrationLock::~MigrationLock() {
  if (conn_ != nullptr && conn_->alive())
    (void)conn_->exec("SELECT pg_advisory_unlock($1)", {std::to_string(migration_lock_key)});
}

Result<int> migration_version(std::string_view name) {
  auto bad = [&] {
    return make_error(Error::Kind::invalid, "migration file '" + std::string(name) +
                                                "' must be named NNNN_description.sql (digits, '_', a-z 0-9 _)");
  };
  auto underscore = name.find('_');
  constexpr std::string_view ext = ".sql";
  if (underscore == std::string_view::npos || underscore < 4 || name.size() <= underscore + 1 + ext.size() ||
      name.substr(name.size() - ext.size()) != ext)
    return bad();
  auto digits = name.substr(0, underscore);
  auto description = name.substr(underscore + 1, name.size() - underscore - 1 - ext.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return bad();
  if (!std::all_of(description.begin(), description.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }))
    return bad();
  int version = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc() || end != digits.data() + digits.size() || version <= 0) return bad();
  return version;
}

Result<std::vector<Migration>> load_migrations(std::span<const EmbeddedFile> files) {
  std::vector<Migration> out;
  for (const auto& f : files) {
    auto version = migration_version(f.name);
    if (!version) return version.error();
    out.push_back({*version, std::string(f.name), f.data});
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version)
      return make_error(Error::Kind::invalid,
                        "migrations " + out[i - 1].name + " and " + out[i].name + " have the same version");
  }
  return out;
}

Result<MigrationRun> migrate(Connection& conn, const std::vector<Migration>& migrations,
                             const std::function<void(const Migration&, std::chrono::milliseconds)>& on_applied) {
  // Session-level lock: held across the per-migration transactions below.
  auto lock = MigrationLock::acquire(conn);
  if (!lock) return lock.error();

  auto created = conn.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  if (!created) return created.error();
  auto rows = conn.exec("SELECT version, name FROM schema_migrations ORDER BY version");
  if (!rows) return rows.error();

  std::map<int, const Migration*> known;
  for (const auto& m : migrations) known[m.version] = &m;
  int newest_known = migrations.empty() ? 0 : migrations.back().version;
  std::map<int, std::string> recorded;
  for (int r = 0; r < rows->size(); ++r) {
    int version = static_cast<int>(rows->optional_int(r, 0).value_or(0));
    std::string name(rows->text(r, 1));
    if (!known.count(version))
      return make_error(Error::Kind::conflict,
                        "the database records migration " + std::to_string(version) + " (" + name +
                            "), which this htut does not know (it knows up to " + std::to_string(newest_known) +
                            "): the schema is newer than this binary; run the newer htut, or use a database that "
                            "matches this one");
    recorded[version] = name;
  }

  MigrationRun run;
  for (const auto& m : migrations) {
    if (recorded.count(m.version)) continue;
    auto started = std::chrono::steady_clock::now();
    if (auto applied = run_in_transaction(conn, m); !applied) return applied.error();
    run.applied.push_back(m);
    recorded[m.version] = m.name;
    if (on_applied)
      on_applied(m, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started));
  }
  run.version = recorded.empty() ? 0 : recorded.rbegin()->first;
  return run;
}

}  // namespace htut::db
