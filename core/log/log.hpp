#pragma once
// logfmt lines on stdout: `at=info msg="..." key=value ...`, one per event.
// Thread-safe; each line is written with a single write() so lines from
// several threads never interleave.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace htut::log {

enum class Level { debug, info, warn, error };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
};

// Quotes a value when logfmt needs it (spaces, quotes, '=', control chars, empty).
std::string escape_value(std::string_view value);
// The whole line, without the trailing newline.
std::string format_line(Level level, std::string_view msg, std::initializer_list<Field> fields);

void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void debug(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::debug, msg, fields); }
inline void info(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::info, msg, fields); }
inline void warn(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::warn, msg, fields); }
inline void error(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::error, msg, fields); }

// Writes an already formatted line (e.g. the access log) with one write().
void write_raw(std::string line);

// Secrets (passwords, keys) registered here are replaced by "***" in every
// line written, whatever code produced the text: a last line of defence behind
// the redaction done where errors are built. Fragments shorter than 4
// characters are ignored (they would mangle every line).
void add_secret(std::string_view secret);
// `text` with every registered secret replaced by "***" (for answers too).
std::string scrub(std::string text);

// Lines below this level are dropped (default info; LOG_LEVEL=debug enables debug).
void set_min_level(Level level);

}  // namespace htut::log
