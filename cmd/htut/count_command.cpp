// Placeholder until the count command lands.
#include <iostream>

#include "cmd/htut/commands.hpp"

namespace htut::cmd {
int count_main(const Args&) {
  std::cerr << "htut count: not implemented yet\n";
  return 1;
}
}  // namespace htut::cmd
