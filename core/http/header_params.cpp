#include "http/header_params.hpp"

#include <cstring>

#include "http/utf8.hpp"

namespace htut::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a quoted string starting at s[pos] == '"'; pos ends after the closing quote.
std::optional<std::string> read_quoted(std::string_view s, std::size_t& pos) {
  std::string out;
  for (++pos; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (c == '"') {
      ++pos;
      return out;
    }
    if (c == '\\' && pos + 1 < s.size() && (s[pos + 1] == '"' || s[pos + 1] == '\\')) {
      out += s[++pos];
      continue;
    }
    if (c == '\r' || c == '\n' || c == '\0') return std::nullopt;
    out += c;
  }
  return std::nullopt;  // no closing quote
}

}  // namespace

bool is_token_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

const std::string* HeaderValue::param(std::string_view name) const {
  for (const auto& [key, value] : params)
    if (key == name) return &value;
  return nullptr;
}

std::optional<HeaderValue> parse_header_value(std::string_view header) {
  HeaderValue result;
  const std::size_t semi = header.find(';');
  result.value = ascii_lower(trim(header.substr(0, semi)));
  if (result.value.empty()) return std::nullopt;
  for (char c : result.value)
    if (!is_token_char(c) && c != '/') return std::nullopt;
  if (semi == std::string_view::npos) return result;

  std::size_t pos = semi + 1;
  while (pos <= header.size()) {
    while (pos < header.size() && is_space(header[pos])) ++pos;
    if (pos == header.size()) break;  // a trailing ';' is tolerated
    if (header[pos] == ';') {         // so is an empty parameter ("a;; b=c")
      ++pos;
      continue;
    }
    const std::size_t eq = header.find('=', pos);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string name = ascii_lower(trim(header.substr(pos, eq - pos)));
    if (name.empty()) return std::nullopt;
    for (char c : name)
      if (!is_token_char(c)) return std::nullopt;
    pos = eq + 1;
    while (pos < header.size() && is_space(header[pos])) ++pos;
    std::string value;
    if (pos < header.size() && header[pos] == '"') {
      auto quoted = read_quoted(header, pos);
      if (!quoted) return std::nullopt;
      value = std::move(*quoted);
      while (pos < header.size() && is_space(header[pos])) ++pos;
      if (pos < header.size() && header[pos] != ';') return std::nullopt;
    } else {
      const std::size_t end = std::min(header.find(';', pos), header.size());
      const std::string_view raw = trim(header.substr(pos, end - pos));
      for (char c : raw)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '"' || is_space(c)) return std::nullopt;
      value = raw;
      pos = end;
    }
    if (result.param(name)) return std::nullopt;
    result.params.emplace_back(name, std::move(value));
    ++pos;  // past ';' (or past the end)
  }
  return result;
}

std::optional<std::string> decode_ext_value(std::string_view ext_value) {
  const std::size_t q1 = ext_value.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  const std::size_t q2 = ext_value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const std::string charset = ascii_lower(ext_value.substr(0, q1));
  const bool latin1 = charset == "iso-8859-1";
  if (charset != "utf-8" && !latin1) return std::nullopt;

  std::string bytes;
  for (std::size_t i = q2 + 1; i < ext_value.size(); ++i) {
    const char c = ext_value[i];
    if (c == '%') {
      if (i + 2 >= ext_value.size()) return std::nullopt;
      const int hi = hex_value(ext_value[i + 1]), lo = hex_value(ext_value[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      bytes += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (is_token_char(c) && c != '*' && c != '\'' && c != '%') {
      bytes += c;  // attr-char
    } else {
      return std::nullopt;
    }
  }
  if (!latin1) {
    if (!is_valid_utf8(bytes)) return std::nullopt;
    return bytes;
  }
  std::string utf8;
  for (char c : bytes) append_utf8(utf8, static_cast<unsigned char>(c));
  return utf8;
}

}  // namespace htut::http
