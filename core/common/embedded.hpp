#pragma once
// Files compiled into the binary by tools/embedgen (assets, templates, migrations).
#include <span>
#include <string_view>

namespace htut {

struct EmbeddedFile {
  std::string_view name;          // e.g. "static/app.css", "templates/index.html", "0001_init.sql"
  std::string_view content_type;  // from the extension
  std::string_view etag;          // strong ETag, quoted: "\"<32 hex of SHA-256>\""
  std::string_view data;          // the bytes
  std::string_view gzip;          // gzip-compressed copy, empty when not worth it
  std::string_view brotli;        // brotli-compressed copy, empty when not worth it
};

namespace embedded {
std::span<const EmbeddedFile> assets();      // everything under embed/ (static + templates + vendor)
std::span<const EmbeddedFile> migrations();  // migrations/*.sql, sorted by name
}  // namespace embedded

}  // namespace htut
