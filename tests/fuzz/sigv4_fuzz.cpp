// Fuzz target: SigV4 canonicalization and the S3 object URL built from a key.
// Input lines: key/path, method, then query name/value pairs until an empty
// line, then header name/value pairs.
// Invariants: uri_encode emits only unreserved bytes, '/' (paths only) and %XX
// (upper-case hex) and round-trips through uri_decode, and decoding then
// re-encoding an encoded string gives it back (encoding once is stable);
// canonical query/headers are sorted and independent of parameter order;
// signatures are 64 hex digits; a valid object key lands in the URL path
// encoded exactly once.
#include <algorithm>
#include <boost/url/parse.hpp>

#include "fuzz_target.hpp"
#include "fuzz_util.hpp"
#include "storage/object_key.hpp"
#include "storage/s3_endpoint.hpp"
#include "storage/sigv4.hpp"

namespace {

namespace sigv4 = htut::storage::sigv4;
using htut::fuzz::show;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}
bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Only unreserved bytes, %XX and (when allowed) the given separators.
bool well_encoded(std::string_view s, std::string_view also_allowed) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_unreserved(s[i]) || also_allowed.find(s[i]) != std::string_view::npos) continue;
    if (s[i] != '%' || i + 2 >= s.size() || !is_upper_hex(s[i + 1]) || !is_upper_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

void check_encoding(const std::string& raw) {
  for (bool keep_slash : {false, true}) {
    const std::string enc = sigv4::uri_encode(raw, keep_slash);
    HTUT_FUZZ_CHECK(well_encoded(enc, keep_slash ? "/" : ""), "badly encoded: " + show(enc));
    HTUT_FUZZ_CHECK(sigv4::uri_decode(enc) == raw, "decode(encode(x)) != x for " + show(raw));
    HTUT_FUZZ_CHECK(sigv4::uri_encode(sigv4::uri_decode(enc), keep_slash) == enc,
                    "encode(decode(e)) != e for " + show(enc));
    if (keep_slash)
      HTUT_FUZZ_CHECK(std::count(enc.begin(), enc.end(), '/') == std::count(raw.begin(), raw.end(), '/'),
                      "path segments changed: " + show(enc));
  }
  const std::string decoded = sigv4::uri_decode(raw);  // arbitrary (possibly invalid) escapes
  HTUT_FUZZ_CHECK(decoded.size() <= raw.size(), "decoding grew the text: " + show(raw));
}

void check_query(const sigv4::QueryParams& query) {
  const std::string canon = sigv4::canonical_query(query);
  HTUT_FUZZ_CHECK(well_encoded(canon, "&="), "canonical query badly encoded: " + show(canon));
  std::vector<std::string> pairs;
  for (std::size_t start = 0; !canon.empty();) {
    const std::size_t amp = canon.find('&', start);
    pairs.push_back(canon.substr(start, amp - start));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  HTUT_FUZZ_CHECK(pairs.size() == query.size(), "canonical query has " + std::to_string(pairs.size()) + " pairs for " +
                                                    std::to_string(query.size()) + ": " + show(canon));
  for (const auto& p : pairs) HTUT_FUZZ_CHECK(std::count(p.begin(), p.end(), '=') == 1, "pair without one '='");
  // Sorted by encoded name then value; order of the input does not matter.
  std::vector<std::pair<std::string, std::string>> split;
  for (const auto& p : pairs) split.emplace_back(p.substr(0, p.find('=')), p.substr(p.find('=') + 1));
  HTUT_FUZZ_CHECK(std::is_sorted(split.begin(), split.end()), "canonical query not sorted: " + show(canon));
  sigv4::QueryParams reversed(query.rbegin(), query.rend());
  HTUT_FUZZ_CHECK(sigv4::canonical_query(reversed) == canon, "canonical query depends on parameter order");
}

void check_headers(const std::vector<sigv4::Header>& headers) {
  const std::string signed_list = sigv4::signed_headers(headers);
  std::vector<std::string> names;
  for (const auto& h : headers) {
    std::string n = h.name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string expected;
  for (const auto& n : names) expected += (expected.empty() ? "" : ";") + n;
  HTUT_FUZZ_CHECK(signed_list == expected, "signed headers " + show(signed_list) + ", expected " + show(expected));
  // A stable sort by name keeps each name's values in order: the canonical form must not change.
  auto sorted = headers;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::lexicographical_compare(
        a.name.begin(), a.name.end(), b.name.begin(), b.name.end(),
        [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
  });
  HTUT_FUZZ_CHECK(sigv4::canonical_headers(sorted) == sigv4::canonical_headers(headers),
                  "canonical headers depend on the order of distinct names");
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void check_signing(const sigv4::Request& request) {
  const sigv4::Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  const sigv4::Scope scope{"20150830", "us-east-1", "s3"};
  const auto a = sigv4::sign_headers(request, creds, "20150830T123600Z", scope);
  const auto b = sigv4::sign_headers(request, creds, "20150830T123600Z", scope);
  HTUT_FUZZ_CHECK(a.signature == b.signature && is_hex64(a.signature), "signature not 64 hex or not deterministic");
  HTUT_FUZZ_CHECK(a.canonical_request.rfind(request.method + "\n" + request.path + "\n", 0) == 0,
                  "canonical request does not start with method and path verbatim");
  const auto p = sigv4::presign(request, creds, "20150830T123600Z", scope, std::chrono::seconds(900));
  const std::string tail = "&X-Amz-Signature=" + p.signature;
  HTUT_FUZZ_CHECK(is_hex64(p.signature) && p.query.size() > tail.size() &&
                      p.query.compare(p.query.size() - tail.size(), tail.size(), tail) == 0,
                  "presigned query must end with the signature: " + show(p.query));
  HTUT_FUZZ_CHECK(well_encoded(p.query, "&="), "presigned query badly encoded: " + show(p.query));
}

void check_object_url(const std::string& key) {
  if (!htut::storage::validate_key(key)) return;
  const std::string enc = sigv4::encode_path(key);
  const auto path_style = htut::storage::S3Endpoint::parse("http://127.0.0.1:4569", "my.bucket");
  HTUT_FUZZ_CHECK(path_style.ok(), "path-style endpoint did not parse");
  const auto t = path_style->object(key);
  HTUT_FUZZ_CHECK(t.path == "/my.bucket/" + enc && t.url == "http://127.0.0.1:4569" + t.path,
                  "path-style object URL: " + show(t.url));
  const auto virtual_host = htut::storage::S3Endpoint::parse("https://s3.us-west-2.amazonaws.com/", "my-bucket");
  HTUT_FUZZ_CHECK(virtual_host.ok() && virtual_host->virtual_hosted(), "virtual-hosted endpoint did not parse");
  const auto v = virtual_host->object(key);
  HTUT_FUZZ_CHECK(v.host == "my-bucket.s3.us-west-2.amazonaws.com" && v.path == "/" + enc,
                  "virtual-hosted object URL: " + show(v.url));
  HTUT_FUZZ_CHECK(sigv4::uri_decode(v.path.substr(1)) == key, "the key is not encoded exactly once");
}

}  // namespace

HTUT_FUZZ_TARGET(sigv4) {
  const std::string_view input = htut::fuzz::as_text(data, size);
  std::vector<std::string> lines;
  for (std::string_view rest = input;;) {
    auto [line, after] = htut::fuzz::split_line(rest);
    lines.emplace_back(line);
    if (line.size() == rest.size()) break;
    rest = after;
  }

  const std::string& raw = lines[0];
  check_encoding(raw);
  check_object_url(raw);
  // Any location/bucket: parsing never crashes, and a parsed endpoint builds a URL.
  // regress-endpoint-path-without-slash*: Boost.URL 1.81 parses "https://s3:A" as host + relative
  // path "A" (boostorg/url#636); S3Endpoint::parse must refuse it, never build "A/bucket/key".
  if (lines.size() > 1) {
    if (auto e = htut::storage::S3Endpoint::parse(raw, lines[1]); e.ok()) {
      const auto t = e->object("k");
      HTUT_FUZZ_CHECK(t.url.rfind("http", 0) == 0 && !t.path.empty() && t.path.front() == '/',
                      "endpoint object URL: " + show(t.url) + " path " + show(t.path));
    }
  }

  sigv4::Request request;
  request.path = sigv4::encode_path(raw);
  request.method = lines.size() > 1 ? lines[1] : "GET";
  request.payload_hash = std::string(sigv4::unsigned_payload);
  std::size_t i = 2;
  for (; i + 1 < lines.size() && !lines[i].empty(); i += 2) request.query.emplace_back(lines[i], lines[i + 1]);
  for (++i; i + 1 < lines.size(); i += 2) request.headers.push_back({lines[i], lines[i + 1]});
  request.headers.push_back({"host", "127.0.0.1:4569"});
  check_query(request.query);
  check_headers(request.headers);
  check_signing(request);
  return 0;
}
