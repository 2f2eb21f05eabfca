#pragma once
// Parsing of parameterised header values such as
//   form-data; name="file"; filename="a \"b\".txt"
//   multipart/form-data; boundary=----x
// (RFC 9110 section 5.6.6, RFC 7578, RFC 2046).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace htut::http {

struct HeaderValue {
  std::string value;                                        // before the first ';', trimmed, lowercased
  std::vector<std::pair<std::string, std::string>> params;  // names lowercased, values unquoted, in order
  // The value of a parameter, or nullptr.
  const std::string* param(std::string_view name) const;
};

// nullopt when malformed: an empty value, a parameter without '=', a bad
// name, an unterminated quoted string, junk after a quoted string, or the
// same parameter twice (ambiguous, so refused rather than guessed).
// In quoted strings only \" and \\ are escapes; any other backslash is kept,
// because browsers send Windows paths with unescaped backslashes.
std::optional<HeaderValue> parse_header_value(std::string_view header);

// RFC 5987 ext-value (`UTF-8''na%C3%AFve.txt`, charset UTF-8 or ISO-8859-1)
// decoded to UTF-8; nullopt when malformed or another charset.
std::optional<std::string> decode_ext_value(std::string_view ext_value);

bool is_token_char(char c);
std::string ascii_lower(std::string_view text);

}  // namespace htut::http
