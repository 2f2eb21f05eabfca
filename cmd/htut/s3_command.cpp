// Placeholder until the s3 command lands.
#include <iostream>

#include "cmd/htut/commands.hpp"

namespace htut::cmd {
int s3_main(const Args&) {
  std::cerr << "htut s3: not implemented yet\n";
  return 1;
}
}  // namespace htut::cmd
