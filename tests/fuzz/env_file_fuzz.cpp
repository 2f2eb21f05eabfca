// Fuzz target: .env parsing (config::parse_env_file).
// Invariants: no crash; every parsed name matches [A-Za-z_][A-Za-z0-9_]*;
// re-serializing the pairs as NAME="escaped" lines (and, where possible, as
// `export NAME='value'` lines) and parsing again gives the same pairs.
#include "config/env_file.hpp"
#include "fuzz_target.hpp"
#include "fuzz_util.hpp"

namespace {

using htut::fuzz::show;

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && (i == 0 || c < '0' || c > '9')) return false;
  }
  return true;
}

std::string double_quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string dump(const htut::config::EnvPairs& pairs) {
  std::string s;
  for (const auto& [n, v] : pairs) s += n + "=" + show(v, 80) + " ";
  return s;
}

void check_reparse(const std::string& text, const htut::config::EnvPairs& expected, const char* how) {
  const auto again = htut::config::parse_env_file(text);
  HTUT_FUZZ_CHECK(again.ok(), std::string(how) + " text does not parse: " + show(text) + ": " + again.error().message);
  HTUT_FUZZ_CHECK(*again == expected, std::string(how) + " changed the pairs: " + dump(expected) + " -> " +
                                          dump(*again) + " via " + show(text));
}

}  // namespace

HTUT_FUZZ_TARGET(env_file) {
  const std::string_view input = htut::fuzz::as_text(data, size);
  const auto parsed = htut::config::parse_env_file(input);
  if (!parsed) {
    HTUT_FUZZ_CHECK(parsed.error().message.rfind("line ", 0) == 0,
                    "error without a line number: " + parsed.error().message);
    return 0;
  }
  std::string quoted, single;
  bool single_possible = true;
  for (const auto& [name, value] : *parsed) {
    HTUT_FUZZ_CHECK(valid_name(name), "invalid name parsed: " + show(name));
    quoted += name + "=" + double_quoted(value) + "\n";
    // Single quotes keep bytes verbatim but cannot hold a quote or a newline.
    if (value.find_first_of("'\n") != std::string::npos) single_possible = false;
    single += "export " + name + "='" + value + "'  # comment\r\n";
  }
  check_reparse(quoted, *parsed, "double-quoted");
  if (single_possible) check_reparse(single, *parsed, "single-quoted");
  return 0;
}
