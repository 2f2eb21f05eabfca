// htut migrate: brings the database schema to the version embedded in this
// binary (see docs/database.md). Wiring only; the work is db::migrate().
#include <iostream>

#include "cmd/htut/commands.hpp"
#include "common/embedded.hpp"
#include "config/config.hpp"
#include "db/connection.hpp"
#include "db/migrator.hpp"
#include "log/log.hpp"

namespace htut::cmd {

int migrate_main(const Args& args) {
  if (!no_arguments("migrate", args)) return 2;
  auto loaded = load_role_config("migrate");
  if (!loaded) return 1;
  const config::Config& cfg = *loaded;
  auto migrations = db::load_migrations(embedded::migrations());
  if (!migrations) {
    std::cerr << "htut migrate: " << migrations.error().message << "\n";
    return 1;
  }
  // No statement timeout: waiting for another run's lock, or a big
  // migration, may take longer than any request would.
  db::ConnectOptions options;
  options.statement_timeout = std::chrono::milliseconds(0);
  options.application_name = "htut-migrate";
  auto conn = db::Connection::open(cfg.database_url, options);
  if (!conn) {
    std::cerr << "htut migrate: " << conn.error().message << "\n";
    return 1;
  }
  auto run = db::migrate(**conn, *migrations, [](const db::Migration& m, std::chrono::milliseconds took) {
    log::info("applied migration " + m.name, {{"version", m.version}, {"ms", took.count()}});
  });
  if (!run) {
    std::cerr << "htut migrate: " << run.error().message << "\n";
    return 1;
  }
  log::info("schema is current at version " + std::to_string(run->version),
            {{"version", run->version}, {"applied", run->applied.size()}});
  return 0;
}

}  // namespace htut::cmd
