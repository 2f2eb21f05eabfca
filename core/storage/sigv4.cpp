#include "storage/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "storage/crypto.hpp"

namespace htut::storage::sigv4 {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Header values: trim both ends and squeeze runs of spaces to one (SigV4 rule).
std::string canonical_value(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Lower-cased names in sorted order, duplicate names' values joined with ',' in arrival order.
std::map<std::string, std::string> grouped(const std::vector<Header>& headers) {
  std::map<std::string, std::string> out;
  for (const auto& h : headers) {
    auto [it, inserted] = out.try_emplace(lower(h.name), canonical_value(h.value));
    if (!inserted) it->second.append(",").append(canonical_value(h.value));
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xF]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string canonical_query(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(encoded.begin(), encoded.end());  // byte order of the encoded key, then value
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

std::string canonical_headers(const std::vector<Header>& headers) {
  std::string out;
  for (const auto& [name, value] : grouped(headers)) out += name + ":" + value + "\n";
  return out;
}

std::string signed_headers(const std::vector<Header>& headers) {
  std::string out;
  for (const auto& entry : grouped(headers)) {
    if (!out.empty()) out.push_back(';');
    out += entry.first;
  }
  return out;
}

std::string canonical_request(const Request& r) {
  return r.method + "\n" + r.path + "\n" + canonical_query(r.query) + "\n" + canonical_headers(r.headers) + "\n" +
         signed_headers(r.headers) + "\n" + r.payload_hash;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request) {
  return std::string(algorithm) + "\n" + std::string(amz_date) + "\n" + scope.str() + "\n" +
         crypto::sha256_hex(canonical_request);
}

std::string signing_key(std::string_view secret_key, const Scope& scope) {
  std::string k_date = crypto::hmac_sha256("AWS4" + std::string(secret_key), scope.date);
  std::string k_region = crypto::hmac_sha256(k_date, scope.region);
  std::string k_service = crypto::hmac_sha256(k_region, scope.service);
  return crypto::hmac_sha256(k_service, "aws4_request");
}

std::string signature(std::string_view key, std::string_view sts) { return crypto::hex(crypto::hmac_sha256(key, sts)); }

std::string authorization(std::string_view access_key, const Scope& scope, std::string_view signed_list,
                          std::string_view sig) {
  return std::string(algorithm) + " Credential=" + std::string(access_key) + "/" + scope.str() +
         ", SignedHeaders=" + std::string(signed_list) + ", Signature=" + std::string(sig);
}

Signed sign_headers(const Request& request, const Credentials& credentials, std::string_view amz_date,
                    const Scope& scope) {
  Signed s;
  s.canonical_request = canonical_request(request);
  s.string_to_sign = string_to_sign(amz_date, scope, s.canonical_request);
  s.signature = signature(signing_key(credentials.secret_key, scope), s.string_to_sign);
  s.authorization = authorization(credentials.access_key, scope, signed_headers(request.headers), s.signature);
  return s;
}

Signed presign(const Request& request, const Credentials& credentials, std::string_view amz_date, const Scope& scope,
               std::chrono::seconds expires) {
  Request r = request;
  r.query.emplace_back("X-Amz-Algorithm", std::string(algorithm));
  r.query.emplace_back("X-Amz-Credential", credentials.access_key + "/" + scope.str());
  r.query.emplace_back("X-Amz-Date", std::string(amz_date));
  r.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  if (!credentials.session_token.empty()) r.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  r.query.emplace_back("X-Amz-SignedHeaders", signed_headers(r.headers));
  Signed s;
  s.canonical_request = canonical_request(r);
  s.string_to_sign = string_to_sign(amz_date, scope, s.canonical_request);
  s.signature = signature(signing_key(credentials.secret_key, scope), s.string_to_sign);
  s.query = canonical_query(r.query) + "&X-Amz-Signature=" + s.signature;
  return s;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace htut::storage::sigv4
