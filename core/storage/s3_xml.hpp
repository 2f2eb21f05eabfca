#pragma once
// Just enough XML for S3's answers (ListObjectsV2, InitiateMultipartUpload,
// CompleteMultipartUpload, Error). S3's XML is flat and regular, so a tag scanner
// with entity decoding is sufficient and avoids a dependency. Pure; no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace htut::storage::xml {

// Decodes &amp; &lt; &gt; &quot; &apos; &#N; &#xN;.
std::string unescape(std::string_view text);
// Escapes & < > " ' for element text.
std::string escape(std::string_view text);
// The inner text of every <tag>...</tag> (raw, not unescaped), in order; <tag/> gives "".
std::vector<std::string_view> elements(std::string_view xml, std::string_view tag);
// The unescaped text of the first <tag>, if any.
std::optional<std::string> first_text(std::string_view xml, std::string_view tag);

struct S3ErrorBody {
  std::string code;     // e.g. NoSuchKey, SignatureDoesNotMatch
  std::string message;  // S3's own sentence
};
// An <Error> document, if the body is one.
std::optional<S3ErrorBody> parse_error(std::string_view xml);

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // without quotes
};
struct ListPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken
};
std::optional<ListPage> parse_list_v2(std::string_view xml);

// Removes surrounding double quotes from an ETag.
std::string unquote_etag(std::string_view etag);

}  // namespace htut::storage::xml
