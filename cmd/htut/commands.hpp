#pragma once
// The sub-commands of htut. Each takes the arguments after the role name and
// returns the process exit status (0 ok, 1 failure, 2 usage error).
#include <string>
#include <vector>

namespace htut::cmd {

using Args = std::vector<std::string>;

int web_main(const Args& args);
int worker_main(const Args& args);
int migrate_main(const Args& args);
int count_main(const Args& args);
int s3_main(const Args& args);

}  // namespace htut::cmd
