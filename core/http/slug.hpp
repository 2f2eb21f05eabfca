#pragma once
// URL slugs for document names (interface: "Slugs").
#include <string>
#include <string_view>

namespace htut::http {

inline constexpr std::size_t kMaxSlugLength = 80;

// Unicode NFKD, drop what is not ASCII, lowercase, every run of characters
// other than a-z0-9 becomes one '-', trim '-' at both ends, cut to 80
// characters (no trailing '-'). "" when nothing is left. Invalid UTF-8
// bytes are dropped like any other non-ASCII.
std::string slugify(std::string_view name);

// Whether a (percent-decoded) URL path segment can name a document: 1 to
// kMaxLinkedSlugLength bytes of printable ASCII other than '/'. Wider than
// what slugify() makes, because the heroku-tut app's slugs stay valid links:
// its slugify kept '+', ':', ';', '~', had no length limit and could leave
// upper case (NFKD after lowercasing).
inline constexpr std::size_t kMaxLinkedSlugLength = 1000;
bool plausible_slug(std::string_view segment);

// slugify(name), or the first 12 hex digits of the upload's UUID when that
// is empty.
std::string document_slug(std::string_view name, std::string_view uuid_hex);

}  // namespace htut::http
