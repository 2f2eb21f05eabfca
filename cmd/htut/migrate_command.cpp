// Placeholder until the migrate command lands.
#include <iostream>

#include "cmd/htut/commands.hpp"

namespace htut::cmd {
int migrate_main(const Args&) {
  std::cerr << "htut migrate: not implemented yet\n";
  return 1;
}
}  // namespace htut::cmd
