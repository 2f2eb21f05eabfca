#include "config/env_file.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace htut::config {
namespace {

bool is_name_char(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Error line_error(size_t line_no, const std::string& what) {
  return make_error(Error::Kind::invalid, "line " + std::to_string(line_no) + ": " + what);
}

}  // namespace

Result<EnvPairs> parse_env_file(std::string_view text) {
  EnvPairs out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    ++line_no;
    size_t next = end + 1;
    if (!line.empty() && line.front() != '#') {
      if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) return line_error(line_no, "expected NAME=value");
      std::string_view name = trim(line.substr(0, eq));
      if (name.empty()) return line_error(line_no, "empty variable name");
      for (size_t i = 0; i < name.size(); ++i)
        if (!is_name_char(name[i], i == 0)) return line_error(line_no, "invalid variable name '" + std::string(name) + "'");
      std::string_view raw = trim(line.substr(eq + 1));
      std::string value;
      if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
        char quote = raw.front();
        // A quoted value may span lines (dotenv allows it for double quotes).
        std::string_view rest = text.substr(static_cast<size_t>(raw.data() - text.data()) + 1);
        size_t i = 0;
        bool closed = false;
        for (; i < rest.size(); ++i) {
          char c = rest[i];
          if (c == quote) {
            closed = true;
            break;
          }
          if (c == '\n') {
            if (quote == '\'') break;
            ++line_no;
          }
          if (quote == '"' && c == '\\' && i + 1 < rest.size()) {
            char n = rest[++i];
            switch (n) {
              case 'n': value += '\n'; break;
              case 'r': value += '\r'; break;
              case 't': value += '\t'; break;
              default: value += n;
            }
            continue;
          }
          value += c;
        }
        if (!closed) return line_error(line_no, "unterminated quoted value for " + std::string(name));
        // After the closing quote only a comment may follow.
        size_t after_pos = static_cast<size_t>(rest.data() - text.data()) + i + 1;
        size_t after_end = text.find('\n', after_pos);
        if (after_end == std::string_view::npos) after_end = text.size();
        std::string_view after = trim(text.substr(after_pos, after_end - after_pos));
        if (!after.empty() && after.front() != '#')
          return line_error(line_no, "unexpected text after the quoted value of " + std::string(name));
        next = after_end + 1;
      } else {
        // Unquoted: an inline comment starts at " #".
        size_t hash = raw.find(" #");
        if (hash != std::string_view::npos) raw = trim(raw.substr(0, hash));
        value = std::string(raw);
      }
      out.emplace_back(std::string(name), std::move(value));
    }
    pos = next;
    if (end == text.size()) break;
  }
  return out;
}

Status load_env_file(const std::string& path, bool required) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!required) return ok_status();
    return make_error(Error::Kind::not_found, "cannot read env file " + path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  auto parsed = parse_env_file(ss.str());
  if (!parsed) return make_error(Error::Kind::invalid, "env file " + path + ", " + parsed.error().message);
  for (const auto& [name, value] : *parsed) ::setenv(name.c_str(), value.c_str(), /*overwrite=*/0);
  return ok_status();
}

}  // namespace htut::config
