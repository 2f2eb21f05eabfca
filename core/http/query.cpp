#include "http/query.hpp"

namespace htut::http {
namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> form_decode(std::string_view s) { return decode(s, true); }

}  // namespace

std::optional<std::string> percent_decode(std::string_view segment) { return decode(segment, false); }

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;  // "a=1&&b=2"
    const std::size_t eq = piece.find('=');
    auto name = form_decode(piece.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    pairs.emplace_back(std::move(*name), std::move(*value));
  }
  return pairs;
}

std::optional<int> parse_count_param(std::string_view query, std::string_view name, int fallback, int max) {
  const auto pairs = parse_query(query);
  if (!pairs) return std::nullopt;
  std::optional<std::string> raw;
  for (const auto& [key, value] : *pairs) {
    if (key != name) continue;
    if (raw) return std::nullopt;  // given twice: ambiguous
    raw = value;
  }
  if (!raw) return fallback;
  if (raw->empty() || raw->size() > 9) return std::nullopt;
  int n = 0;
  for (char c : *raw) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

std::optional<int> parse_limit(std::string_view query) {
  return parse_count_param(query, "limit", kDefaultLimit, kMaxLimit);
}

std::optional<int> parse_top(std::string_view query) {
  return parse_count_param(query, "top", kDefaultTopWords, kMaxTopWords);
}

}  // namespace htut::http
