#pragma once
// Values signed with HMAC-SHA256 so a client can hold them but not forge
// them: `base64url(payload).base64url(mac)`. The MAC also covers a purpose
// string, so a value signed for one use is never accepted for another.
#include <optional>
#include <string>
#include <string_view>

namespace htut::http {

std::string sign_value(std::string_view payload, std::string_view key, std::string_view purpose);

// The payload, or nullopt when the value is malformed, truncated or its MAC
// does not match (compared in constant time).
std::optional<std::string> verify_signed_value(std::string_view value, std::string_view key, std::string_view purpose);

// Constant-time equality of two byte strings (length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

// n random bytes from OpenSSL's CSPRNG, as 2n lowercase hex digits. Throws
// std::runtime_error if the generator fails (truly exceptional).
std::string random_hex(std::size_t n_bytes);
std::string to_hex(std::string_view bytes);

}  // namespace htut::http
