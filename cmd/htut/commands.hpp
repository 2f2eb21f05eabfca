#pragma once
// The sub-commands of htut. Each takes the arguments after the role name and
// returns the process exit status (0 ok, 1 failure, 2 usage error).
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace htut::cmd {

using Args = std::vector<std::string>;

// The role's configuration, or nullopt after printing the one-line error (exit 1).
// Also loads the libraries the role needs (load_libraries).
std::optional<config::Config> load_role_config(const std::string& role);
// Loads now the C libraries htut opens on first use (libpq when the role needs
// the database, libcurl when it needs S3 over http(s)), so that a missing one
// fails at start-up with its one-line message (printed; exit 1), not at the
// first request.
bool load_libraries(const std::string& role, const config::Config& cfg, const config::Needs& needs);
// False (after a usage line; exit 2) when a role that takes no arguments got some.
bool no_arguments(const std::string& role, const Args& args);

int web_main(const Args& args);
int worker_main(const Args& args);
int migrate_main(const Args& args);
int count_main(const Args& args);
int s3_main(const Args& args);
int jobs_main(const Args& args);

}  // namespace htut::cmd
