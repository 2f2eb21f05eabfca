#include "http/part_headers.hpp"

#include "http/header_params.hpp"

namespace htut::http {
namespace {

Error invalid(std::string message) { return make_error(Error::Kind::invalid, std::move(message)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status apply_content_disposition(std::string_view value, PartHeaders& part) {
  const auto parsed = parse_header_value(value);
  if (!parsed) return invalid("malformed Content-Disposition part header");
  if (parsed->value != "form-data") return invalid("a part's Content-Disposition must be form-data");
  const std::string* name = parsed->param("name");
  if (!name || name->empty()) return invalid("a part has no name in its Content-Disposition");
  part.name = *name;
  if (const std::string* ext = parsed->param("filename*")) {
    auto decoded = decode_ext_value(*ext);
    if (!decoded) return invalid("malformed filename* parameter in a part's Content-Disposition");
    part.filename = std::move(*decoded);
  } else if (const std::string* filename = parsed->param("filename")) {
    part.filename = *filename;
  }
  return ok_status();
}

}  // namespace

Result<PartHeaders> parse_part_headers(std::string_view block) {
  PartHeaders part;
  bool seen_disposition = false, seen_type = false;
  while (!block.empty()) {
    const std::size_t eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);

    if (line.empty()) return invalid("empty line inside part headers");
    if (line.front() == ' ' || line.front() == '\t') return invalid("folded part header lines are not supported");
    for (char c : line)
      if (c == '\r' || c == '\n' || c == '\0') return invalid("a part header contains a bare CR, LF or NUL");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return invalid("a part header line has no ':'");
    const std::string_view raw_name = line.substr(0, colon);
    if (raw_name.empty()) return invalid("a part header has an empty name");
    for (char c : raw_name)
      if (!is_token_char(c)) return invalid("a part header has an invalid name");
    const std::string name = ascii_lower(raw_name);
    const std::string_view value = trim(line.substr(colon + 1));

    if (name == "content-disposition") {
      if (seen_disposition) return invalid("a part has two Content-Disposition headers");
      seen_disposition = true;
      if (auto st = apply_content_disposition(value, part); !st) return st.error();
    } else if (name == "content-type") {
      if (seen_type) return invalid("a part has two Content-Type headers");
      seen_type = true;
      part.content_type = value;
    }
  }
  if (!seen_disposition) return invalid("a part has no Content-Disposition header");
  return part;
}

}  // namespace htut::http
