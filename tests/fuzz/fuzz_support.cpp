// The shared part of every fuzz build: the registry and the failure report.
#include <cstdio>
#include <cstdlib>

#include "fuzz_target.hpp"

namespace htut::fuzz {
namespace {

std::string& current_input() {
  static std::string name;
  return name;
}

}  // namespace

std::vector<Target>& registry() {
  static std::vector<Target> targets;  // function-local: safe to use from other files' static initializers
  return targets;
}

void set_current_input(std::string name) { current_input() = std::move(name); }

void check_failed(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  %s\n", file, line, condition, detail.c_str());
  if (!current_input().empty()) std::fprintf(stderr, "  input: %s\n", current_input().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace htut::fuzz
