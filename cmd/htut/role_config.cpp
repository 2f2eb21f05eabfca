#include <iostream>

#include "cmd/htut/commands.hpp"

namespace htut::cmd {

std::optional<config::Config> load_role_config(const std::string& role) {
  try {
    return config::load(config::needs_for_role(role));
  } catch (const config::ConfigError& e) {
    std::cerr << "htut " << role << ": " << e.what() << "\n";
    return std::nullopt;
  }
}

bool no_arguments(const std::string& role, const Args& args) {
  if (args.empty()) return true;
  std::cerr << "htut " << role << ": unexpected argument '" << args.front() << "' (usage: htut " << role
            << " [--env-file PATH])\n";
  return false;
}

}  // namespace htut::cmd
