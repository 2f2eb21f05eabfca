#include <exception>
#include <iostream>

#include "cmd/htut/commands.hpp"
#include "db/libpq_api.hpp"
#include "storage/libcurl_api.hpp"

namespace htut::cmd {

std::optional<config::Config> load_role_config(const std::string& role) {
  config::Needs needs = config::needs_for_role(role);
  std::optional<config::Config> cfg;
  try {
    cfg = config::load(needs);
  } catch (const config::ConfigError& e) {
    std::cerr << "htut " << role << ": " << e.what() << "\n";
    return std::nullopt;
  }
  if (!load_libraries(role, *cfg, needs)) return std::nullopt;
  return cfg;
}

bool load_libraries(const std::string& role, const config::Config& cfg, const config::Needs& needs) {
  try {
    if (needs.database) db::libpq();
    if (needs.storage && !cfg.s3.is_file()) storage::libcurl();
    return true;
  } catch (const std::exception& e) {
    std::cerr << "htut " << role << ": " << e.what() << "\n";
    return false;
  }
}

bool no_arguments(const std::string& role, const Args& args) {
  if (args.empty()) return true;
  std::cerr << "htut " << role << ": unexpected argument '" << args.front() << "' (usage: htut " << role
            << " [--env-file PATH])\n";
  return false;
}

}  // namespace htut::cmd
