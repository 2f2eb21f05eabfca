#pragma once
// AWS Signature Version 4, as S3 applies it. Pure functions (no I/O, no clock):
// canonical request -> string to sign -> signing key -> signature -> Authorization
// header or presigned query. S3 rules: the path is URI-encoded once and never
// normalized, so the caller passes the wire path and the signer uses it verbatim.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace htut::storage::sigv4 {

inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of the empty string: the payload hash of GET/HEAD/DELETE.
inline constexpr std::string_view empty_payload_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// S3 refuses presigned URLs that live longer than 7 days.
inline constexpr std::chrono::seconds max_presign_expiry{604800};

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty unless temporary credentials
};

struct Header {
  std::string name;  // any case; canonicalized to lower case
  std::string value;
};
// Decoded names and values; they are percent-encoded exactly once when canonicalized.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// What SigV4 covers of an HTTP request.
struct Request {
  std::string method;           // "GET", "PUT", ...
  std::string path;             // the path exactly as sent, already encoded (see encode_path)
  QueryParams query;            // without X-Amz-Signature
  std::vector<Header> headers;  // the headers to sign; must include host (and x-amz-date for header auth)
  std::string payload_hash;     // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
};

// The credential scope: date/region/service/aws4_request.
struct Scope {
  std::string date;  // YYYYMMDD, the first 8 characters of the x-amz-date
  std::string region;
  std::string service = "s3";
  std::string str() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// RFC 3986 encoding: A-Z a-z 0-9 - _ . ~ stay, every other byte becomes %XX (upper case);
// '/' stays only when keep_slash (paths), never in query names or values.
std::string uri_encode(std::string_view text, bool keep_slash);
// The wire (and canonical) path for a raw object path: each segment encoded once.
inline std::string encode_path(std::string_view raw_path) { return uri_encode(raw_path, true); }
// Percent-decodes %XX (invalid escapes are kept as they are); '+' stays '+'.
std::string uri_decode(std::string_view text);

std::string canonical_query(const QueryParams& query);              // encoded, sorted, joined with '&'
std::string canonical_headers(const std::vector<Header>& headers);  // "name:value\n" per name, sorted
std::string signed_headers(const std::vector<Header>& headers);     // "host;x-amz-date;..."
std::string canonical_request(const Request& request);
std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request);
std::string signing_key(std::string_view secret_key, const Scope& scope);              // raw 32 bytes
std::string signature(std::string_view signing_key, std::string_view string_to_sign);  // hex
std::string authorization(std::string_view access_key, const Scope& scope, std::string_view signed_headers,
                          std::string_view signature);

// Every intermediate value, so tests and error reports can show where a mismatch starts.
struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;  // header auth: the Authorization header value
  std::string query;          // query auth: the whole query string to send, X-Amz-Signature last
};

// Header auth. The request's headers must already hold x-amz-date (= amz_date) and, for S3,
// x-amz-content-sha256 and x-amz-security-token (when a session token is used).
Signed sign_headers(const Request& request, const Credentials& credentials, std::string_view amz_date,
                    const Scope& scope);

// Query auth (presigned URL): adds X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders
// (and -Security-Token) to the request's query, signs, and returns the query to send.
// For S3 the request's payload_hash is UNSIGNED-PAYLOAD.
Signed presign(const Request& request, const Credentials& credentials, std::string_view amz_date, const Scope& scope,
               std::chrono::seconds expires);

// "20150830T123600Z" for a point in time (UTC).
std::string amz_date(std::chrono::system_clock::time_point when);

}  // namespace htut::storage::sigv4
