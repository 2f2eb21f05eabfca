#include "http/upload_rules.hpp"

#include <openssl/rand.h>
#include <unicode/uchar.h>

#include <stdexcept>
#include <vector>

#include "http/signed_value.hpp"
#include "http/utf8.hpp"

namespace htut::http {
namespace {

Error invalid(std::string message) { return make_error(Error::Kind::invalid, std::move(message)); }

bool is_ascii_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

bool is_white_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

Result<std::string> validate_document_name(std::string_view raw) {
  // Decode once, remembering where each code point starts, to trim by code points.
  std::vector<char32_t> cps;
  std::vector<std::size_t> starts;
  for (std::size_t pos = 0; pos < raw.size();) {
    starts.push_back(pos);
    const auto cp = next_code_point(raw, pos);
    if (!cp) return invalid("document name is not valid UTF-8");
    cps.push_back(*cp);
  }
  std::size_t first = 0, last = cps.size();
  while (first < last && is_white_space(cps[first])) ++first;
  while (last > first && is_white_space(cps[last - 1])) --last;
  if (first == last) return invalid("document name is required");
  if (last - first > kMaxDocumentNameChars)
    return invalid("document name is longer than " + std::to_string(kMaxDocumentNameChars) + " characters");
  for (std::size_t i = first; i < last; ++i)
    if (u_charType(static_cast<UChar32>(cps[i])) == U_CONTROL_CHAR)
      return invalid("document name contains a control character");
  const std::size_t begin = starts[first];
  const std::size_t end = last < starts.size() ? starts[last] : raw.size();
  return std::string(raw.substr(begin, end - begin));
}

std::string storage_extension(std::string_view client_filename) {
  const std::size_t slash = client_filename.find_last_of("/\\");
  std::string_view base = slash == std::string_view::npos ? client_filename : client_filename.substr(slash + 1);
  while (!base.empty() && base.front() == '.') base.remove_prefix(1);  // ".bashrc" has no extension
  const std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return "";
  const std::string_view ext = base.substr(dot + 1);
  if (ext.empty() || ext.size() > 10) return "";
  std::string out = ".";
  for (char c : ext) {
    if (!is_ascii_alnum(c)) return "";
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string storage_key(std::string_view upload_directory, std::string_view uuid_hex32, std::string_view ext) {
  while (!upload_directory.empty() && upload_directory.back() == '/') upload_directory.remove_suffix(1);
  while (!upload_directory.empty() && upload_directory.front() == '/') upload_directory.remove_prefix(1);
  std::string key(upload_directory);
  if (!key.empty()) key += '/';
  key.append(uuid_hex32).append(ext);
  return key;
}

std::string new_uuid_hex() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("the system random number generator failed");
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool looks_binary(std::string_view prefix) {
  return prefix.substr(0, kTextSniffBytes).find('\0') != std::string_view::npos;
}

}  // namespace htut::http
