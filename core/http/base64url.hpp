#pragma once
// base64url without padding (RFC 4648 section 5), as used in cookie values.
#include <optional>
#include <string>
#include <string_view>

namespace htut::http {

std::string base64url_encode(std::string_view bytes);
// nullopt on characters outside the alphabet, '=' padding, or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace htut::http
