#include "web/assets.hpp"

#include <stdexcept>

namespace htut::web {

std::string hashed_path(std::string_view name, std::string_view etag) {
  std::string_view hash = etag.substr(1, 8);  // skip the opening quote
  auto slash = name.rfind('/');
  auto dot = name.rfind('.');
  std::string out(1, '/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    out.append(name).append(".").append(hash);
  } else {
    out.append(name.substr(0, dot)).append(".").append(hash).append(name.substr(dot));
  }
  return out;
}

AssetTable::AssetTable() {
  for (const auto& f : embedded::assets()) {
    by_name_.emplace(f.name, &f);
    if (f.name.rfind("static/", 0) != 0) continue;
    std::string plain(1, '/');
    plain.append(f.name);
    by_url_.emplace(std::move(plain), AssetMatch{&f, false});
    auto hashed = hashed_path(f.name, f.etag);
    by_url_.emplace(hashed, AssetMatch{&f, true});
    hashed_.emplace(f.name, std::move(hashed));
  }
}

std::optional<AssetMatch> AssetTable::find_url(std::string_view url_path) const {
  auto it = by_url_.find(std::string(url_path));
  if (it == by_url_.end()) return std::nullopt;
  return it->second;
}

const EmbeddedFile* AssetTable::file(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const std::string& AssetTable::hashed_url(std::string_view name) const {
  auto it = hashed_.find(name);
  if (it == hashed_.end()) throw std::out_of_range("unknown asset " + std::string(name));
  return it->second;
}

}  // namespace htut::web
