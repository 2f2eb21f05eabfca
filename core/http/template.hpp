#pragma once
// A tiny page template renderer. In the template:
//   {{name}}              lookup(name), HTML-escaped
//   {{{name}}}            lookup(name) raw (trusted HTML built by the server)
//   {{asset:static/x.css}} asset_url("static/x.css"), HTML-escaped
// Spaces inside the braces are ignored. A name lookup() does not know, or an
// unclosed tag, throws std::logic_error: a programming error, caught by tests.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace htut::http {

using TemplateLookup = std::function<std::optional<std::string>(std::string_view name)>;
using AssetUrl = std::function<std::string(std::string_view asset)>;

std::string render_template(std::string_view tmpl, const TemplateLookup& lookup, const AssetUrl& asset_url);

}  // namespace htut::http
