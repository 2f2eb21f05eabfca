#include "wordcount/count_result.hpp"

#include <cstdio>
#include <string_view>

namespace htut::wordcount {

namespace {

// Escapes like Python's json.dumps(ensure_ascii=False).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace

std::string word_counts_json(const CountResult& result) {
  std::string out = "{";
  bool first = true;
  for (const auto& [word, count] : result.top) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, word);
    out += ": ";
    out += std::to_string(count);
  }
  out += '}';
  return out;
}

std::string to_json(const CountResult& result) {
  std::string out = "{\"total_words\": ";
  out += std::to_string(result.total_words);
  out += ", \"distinct_words\": ";
  out += std::to_string(result.distinct_words);
  out += ", \"word_counts\": ";
  out += word_counts_json(result);
  out += '}';
  return out;
}

}  // namespace htut::wordcount
