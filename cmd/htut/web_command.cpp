// Placeholder until the web command lands.
#include <iostream>

#include "cmd/htut/commands.hpp"

namespace htut::cmd {
int web_main(const Args&) {
  std::cerr << "htut web: not implemented yet\n";
  return 1;
}
}  // namespace htut::cmd
