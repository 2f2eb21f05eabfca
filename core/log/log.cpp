#include "log/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace htut::log {
namespace {

std::atomic<Level> min_level{Level::info};

std::shared_mutex secrets_mutex;
std::vector<std::string> secrets;  // longest first, so a secret containing another is replaced whole
std::atomic<bool> have_secrets{false};

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  return false;
}

}  // namespace

std::string escape_value(std::string_view value) {
  if (!needs_quotes(value)) return std::string(value);
  std::string out;
  out.reserve(value.size() + 2);
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string format_line(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  std::string line = "at=";
  line += level_name(level);
  line += " msg=";
  line += escape_value(scrub(std::string(msg)));
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    line += escape_value(scrub(f.value));
  }
  return line;
}

void add_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::unique_lock lock(secrets_mutex);
  if (std::find(secrets.begin(), secrets.end(), secret) != secrets.end()) return;
  secrets.emplace_back(secret);
  std::stable_sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  have_secrets = true;
}

std::string scrub(std::string text) {
  if (!have_secrets.load(std::memory_order_acquire)) return text;
  std::shared_lock lock(secrets_mutex);
  for (const auto& secret : secrets) {
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
      text.replace(pos, secret.size(), "***");
  }
  return text;
}

void write_raw(std::string line) {
  line = scrub(std::move(line));
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // stdout gone: nothing sensible to do
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (level < min_level.load(std::memory_order_relaxed)) return;
  write_raw(format_line(level, msg, fields));
}

void set_min_level(Level level) { min_level.store(level); }

}  // namespace htut::log
