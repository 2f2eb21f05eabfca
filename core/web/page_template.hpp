#pragma once
// A page template compiled once at start-up: the template text is split into
// literal pieces and variables (asset URLs resolved), so rendering a page is
// one pass of appends. Same syntax as http::render_template; variables whose
// name ends in "_html" are trusted HTML, all others are escaped.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/template.hpp"

namespace htut::web {

class PageTemplate {
 public:
  PageTemplate(std::string_view source, const ::htut::http::AssetUrl& asset_url);

  // lookup(name) gives each variable's value; an unknown name throws std::logic_error.
  std::string render(const std::function<std::optional<std::string>(std::string_view)>& lookup) const;

 private:
  struct Piece {
    std::string text;  // literal text, or the variable's name
    bool variable;
    bool raw;
  };
  std::vector<Piece> pieces_;
  std::size_t literal_bytes_ = 0;
};

}  // namespace htut::web
