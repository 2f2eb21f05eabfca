#include "queue/message.hpp"

#include <charconv>

namespace htut::queue {

std::optional<std::string> header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return std::nullopt;
}

int header_count(const Headers& headers, std::string_view name) {
  auto text = header(headers, name);
  if (!text) return 0;
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) return 0;
  return value;
}

}  // namespace htut::queue
