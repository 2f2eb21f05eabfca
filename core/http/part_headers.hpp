#pragma once
// The header block of one multipart/form-data part.
#include <string_view>

#include "common/result.hpp"
#include "http/multipart.hpp"

namespace htut::http {

// `block` is the part's header lines separated by CRLF, without the blank
// line that ends them. Requires `Content-Disposition: form-data; name=...`;
// filename* (RFC 5987) wins over filename. Other headers are ignored.
Result<PartHeaders> parse_part_headers(std::string_view block);

}  // namespace htut::http
