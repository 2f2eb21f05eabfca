#include "storage/object_key.hpp"

#include <string_view>

namespace htut::storage {

Status validate_key(const std::string& key) {
  auto bad = [&](const std::string& why) { return make_error(Error::Kind::invalid, "invalid object key: " + why); };
  if (key.empty()) return bad("it is empty");
  if (key.size() > 1024) return bad("it is longer than 1024 bytes");
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7F) return bad("it contains a control character");
    if (c == '\\') return bad("it contains a backslash");
  }
  if (key.front() == '/') return bad("it starts with '/'");
  std::string_view rest(key);
  while (true) {
    auto slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) return bad("it has an empty path segment ('//' or a trailing '/')");
    if (segment == "." || segment == "..") return bad("it has a '.' or '..' segment");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return ok_status();
}

}  // namespace htut::storage
