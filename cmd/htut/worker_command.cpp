// Placeholder until the worker command lands.
#include <iostream>

#include "cmd/htut/commands.hpp"

namespace htut::cmd {
int worker_main(const Args&) {
  std::cerr << "htut worker: not implemented yet\n";
  return 1;
}
}  // namespace htut::cmd
