#include "web/page_template.hpp"

#include <stdexcept>

#include "http/html.hpp"

namespace htut::web {
namespace {
// Markers around variable names in the pre-rendered text; they cannot occur in
// a template (checked) and html_escape leaves them alone.
constexpr char open_mark = '\x01';
constexpr char close_mark = '\x02';

bool is_raw_name(std::string_view name) { return name.size() > 5 && name.substr(name.size() - 5) == "_html"; }
}  // namespace

PageTemplate::PageTemplate(std::string_view source, const ::htut::http::AssetUrl& asset_url) {
  if (source.find(open_mark) != std::string_view::npos || source.find(close_mark) != std::string_view::npos)
    throw std::logic_error("template contains control characters \\x01/\\x02");
  std::string marked = ::htut::http::render_template(
      source, [](std::string_view name) -> std::optional<std::string> {
        std::string marked_name;
        marked_name.reserve(name.size() + 2);
        marked_name.push_back(open_mark);
        marked_name.append(name);
        marked_name.push_back(close_mark);
        return marked_name;
      },
      asset_url);
  std::size_t pos = 0;
  while (pos < marked.size()) {
    auto open = marked.find(open_mark, pos);
    if (open == std::string::npos) open = marked.size();
    if (open > pos) {
      pieces_.push_back({marked.substr(pos, open - pos), false, false});
      literal_bytes_ += open - pos;
    }
    if (open == marked.size()) break;
    auto close = marked.find(close_mark, open);
    std::string name = marked.substr(open + 1, close - open - 1);
    bool raw = is_raw_name(name);
    pieces_.push_back({std::move(name), true, raw});
    pos = close + 1;
  }
}

std::string PageTemplate::render(const std::function<std::optional<std::string>(std::string_view)>& lookup) const {
  std::string out;
  out.reserve(literal_bytes_ + 256);
  for (const auto& piece : pieces_) {
    if (!piece.variable) {
      out += piece.text;
      continue;
    }
    auto value = lookup(piece.text);
    if (!value) throw std::logic_error("template variable without a value: " + piece.text);
    if (piece.raw)
      out += *value;
    else
      out += ::htut::http::html_escape(*value);
  }
  return out;
}

}  // namespace htut::web
