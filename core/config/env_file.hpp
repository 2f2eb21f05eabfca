#pragma once
// .env files as `heroku local` and dotenv read them: NAME=value lines, '#'
// comments, optional `export `, single- or double-quoted values.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace htut::config {

using EnvPairs = std::vector<std::pair<std::string, std::string>>;

// Parses the text of a .env file. A bad line is an error naming its line number.
Result<EnvPairs> parse_env_file(std::string_view text);

// Reads PATH and sets each variable that is not already set in the
// environment (the environment wins). required=false: a missing file is fine.
Status load_env_file(const std::string& path, bool required);

}  // namespace htut::config
