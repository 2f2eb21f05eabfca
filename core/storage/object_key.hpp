#pragma once
// Which object keys htut accepts. Both storages apply the same rule so a key that
// works locally works on S3 and cannot escape the directory of file:// storage.
#include <string>

#include "common/result.hpp"

namespace htut::storage {

// 1-1024 bytes; no NUL or other control characters, no backslash, no leading '/',
// no empty, "." or ".." segment. Returns an invalid Error naming the problem.
Status validate_key(const std::string& key);

}  // namespace htut::storage
