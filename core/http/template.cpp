#include "http/template.hpp"

#include <stdexcept>

#include "http/html.hpp"

namespace htut::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string lookup_or_throw(const TemplateLookup& lookup, std::string_view name) {
  auto value = lookup ? lookup(name) : std::nullopt;
  if (!value) throw std::logic_error("template refers to unknown name '" + std::string(name) + "'");
  return std::move(*value);
}

}  // namespace

std::string render_template(std::string_view tmpl, const TemplateLookup& lookup, const AssetUrl& asset_url) {
  std::string out;
  out.reserve(tmpl.size() * 2);
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    const std::size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      break;
    }
    out.append(tmpl.substr(pos, open - pos));
    const bool raw = tmpl.substr(open, 3) == "{{{";
    const std::string_view close_tag = raw ? "}}}" : "}}";
    const std::size_t body_start = open + (raw ? 3 : 2);
    const std::size_t close = tmpl.find(close_tag, body_start);
    if (close == std::string_view::npos)
      throw std::logic_error("unclosed template tag at offset " + std::to_string(open));
    const std::string_view name = trim(tmpl.substr(body_start, close - body_start));
    if (name.empty()) throw std::logic_error("empty template tag at offset " + std::to_string(open));

    if (!raw && name.substr(0, 6) == "asset:") {
      if (!asset_url) throw std::logic_error("template uses an asset but no asset_url was given");
      out += html_escape(asset_url(trim(name.substr(6))));
    } else if (raw) {
      out += lookup_or_throw(lookup, name);
    } else {
      out += html_escape(lookup_or_throw(lookup, name));
    }
    pos = close + close_tag.size();
  }
  return out;
}

}  // namespace htut::http
