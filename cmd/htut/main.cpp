// htut: one binary, several roles. main only parses the role and global flags,
// loads the .env file and hands over to the role's command.
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <iostream>
#include <map>
#include <string>

#include "cmd/htut/commands.hpp"
#include "config/env_file.hpp"
#include "log/log.hpp"

namespace {

constexpr const char* usage = R"(usage: htut ROLE [--env-file PATH] [ARGS]

roles:
  web                       serve HTTP on 0.0.0.0:$PORT until SIGTERM/SIGINT
  worker                    consume word-count jobs until SIGTERM/SIGINT
  migrate                   apply the embedded database migrations
  count [FILE|-] [--top N]  print the word count of a file as JSON
  s3 put FILE KEY | get KEY [FILE|-] | ls [PREFIX] | rm KEY | presign KEY [--expires SECONDS]
                            use the storage client with the roles' configuration
  jobs dead | retry SLUG|--all | purge
                            list, retry or drop the dead-lettered jobs (countwords.dead)
  version                   print the version
  help                      print this help

Every command accepts --env-file PATH (default: ./.env when it exists);
variables already set in the environment win over the file.
Configuration: see docs/configuration.md.
)";

const std::map<std::string, int (*)(const htut::cmd::Args&)> roles = {
    {"web", htut::cmd::web_main},         {"worker", htut::cmd::worker_main}, {"migrate", htut::cmd::migrate_main},
    {"count", htut::cmd::count_main},     {"s3", htut::cmd::s3_main},
    {"jobs", htut::cmd::jobs_main},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << usage;
    return 2;
  }
  std::string role = argv[1];
  if (role == "version" || role == "--version") {
    std::cout << "htut " << HTUT_VERSION << "\n";
    return 0;
  }
  if (role == "help" || role == "--help" || role == "-h") {
    std::cout << usage;
    return 0;
  }
  auto it = roles.find(role);
  if (it == roles.end()) {
    std::cerr << "htut: unknown role '" << role << "'\n" << usage;
    return 2;
  }

  // Global flags: --env-file PATH (anywhere after the role), --help.
  htut::cmd::Args args;
  std::string env_file = ".env";
  bool env_file_given = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (a == "--env-file" || a.rfind("--env-file=", 0) == 0) {
      if (a == "--env-file") {
        if (i + 1 >= argc) {
          std::cerr << "htut: --env-file needs a PATH\n";
          return 2;
        }
        env_file = argv[++i];
      } else {
        env_file = a.substr(std::strlen("--env-file="));
      }
      env_file_given = true;
      continue;
    }
    args.push_back(std::move(a));
  }
  if (auto loaded = htut::config::load_env_file(env_file, env_file_given); !loaded) {
    std::cerr << "htut: " << loaded.error().message << "\n";
    return 1;
  }
  if (const char* level = std::getenv("LOG_LEVEL"); level && std::string_view(level) == "debug")
    htut::log::set_min_level(htut::log::Level::debug);
  return it->second(args);
}
