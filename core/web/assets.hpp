#pragma once
// The embedded files, by URL. Each static asset is reachable at its plain
// path (/static/app.css, revalidated with ETag) and at a content-hashed path
// (/static/app.3f2a9c1b.css, cached for a year) that pages link to.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/embedded.hpp"

namespace htut::web {

struct AssetMatch {
  const EmbeddedFile* file;
  bool immutable;  // requested by its hashed URL
};

class AssetTable {
 public:
  AssetTable();
  // By URL path, e.g. "/static/app.css" or "/static/app.3f2a9c1b.css".
  std::optional<AssetMatch> find_url(std::string_view url_path) const;
  // By embedded name, e.g. "templates/index.html"; nullptr when missing.
  const EmbeddedFile* file(std::string_view name) const;
  // The hashed URL of an embedded static file ("static/app.css" -> "/static/app.3f2a9c1b.css").
  // Throws std::out_of_range for an unknown asset: a template bug caught by tests.
  const std::string& hashed_url(std::string_view name) const;

 private:
  std::unordered_map<std::string_view, const EmbeddedFile*> by_name_;
  std::unordered_map<std::string, AssetMatch> by_url_;
  std::unordered_map<std::string_view, std::string> hashed_;
};

// "/static/app.css" + etag "\"3f2a9c1b...\"" -> "/static/app.3f2a9c1b.css"
std::string hashed_path(std::string_view name, std::string_view etag);

}  // namespace htut::web
