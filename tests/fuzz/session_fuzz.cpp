// Fuzz target: the signed session cookie and the Cookie header parser.
// Input: first line = a cookie value (and a Cookie header); the other lines =
// the fields of a session to sign (csrf, then kind/name/slug/message per flash).
// Invariants: verify_session accepts only what sign_session produced under the
// key (a mutated cookie is rejected unless it is byte-equal to the original; a
// wrong key, an expired or future iat is rejected); a signed session round-trips;
// parse_cookie_header returns well-formed names and values.
#include "fuzz_target.hpp"
#include "fuzz_util.hpp"
#include "http/cookies.hpp"
#include "http/session.hpp"
#include "http/utf8.hpp"

namespace {

namespace http = htut::http;
using htut::fuzz::show;

constexpr std::string_view kKey = "fuzz-secret-key-0123456789abcdef";
constexpr std::int64_t kNow = 1700000000;

void check_cookie_header(std::string_view header) {
  for (const auto& [name, value] : http::parse_cookie_header(header)) {
    HTUT_FUZZ_CHECK(!name.empty(), "empty cookie name from " + show(header));
    HTUT_FUZZ_CHECK(name.find_first_of(";=") == std::string::npos, "bad cookie name " + show(name));
    HTUT_FUZZ_CHECK(value.find(';') == std::string::npos, "cookie value with ';': " + show(value));
    HTUT_FUZZ_CHECK(name.front() != ' ' && name.back() != ' ' && name.front() != '\t' && name.back() != '\t',
                    "untrimmed cookie name " + show(name));
  }
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    auto [line, rest] = htut::fuzz::split_line(text);
    out.push_back(line);
    if (rest.data() == nullptr || line.size() == text.size()) break;
    text = rest;
  }
  return out;
}

bool same(const http::Session& a, const http::Session& b) {
  if (a.csrf_token != b.csrf_token || a.issued_at != b.issued_at || a.flashes.size() != b.flashes.size()) return false;
  for (std::size_t i = 0; i < a.flashes.size(); ++i) {
    const auto &x = a.flashes[i], &y = b.flashes[i];
    if (x.kind != y.kind || x.document_name != y.document_name || x.document_slug != y.document_slug ||
        x.message != y.message)
      return false;
  }
  return true;
}

}  // namespace

HTUT_FUZZ_TARGET(session) {
  const std::string_view input = htut::fuzz::as_text(data, size);
  const auto fields = lines(input);
  htut::fuzz::Rng rng(input);

  // Arbitrary bytes: never crash; accepted only if validly signed (which the
  // fuzzer cannot do without the key), so acceptance means the corpus holds a signed value.
  check_cookie_header(input);
  check_cookie_header(fields[0]);
  if (auto accepted = http::verify_session(fields[0], kKey, kNow)) {
    HTUT_FUZZ_CHECK(http::verify_session(fields[0], "another key", kNow) == std::nullopt,
                    "accepted under two keys: " + show(fields[0]));
  }

  // A session built from the input: signing then verifying gives it back.
  http::Session session;
  session.csrf_token = std::string(fields.size() > 1 ? fields[1] : "");
  session.issued_at = kNow - static_cast<std::int64_t>(rng.next() % (http::kSessionMaxAgeSeconds + 1));
  for (std::size_t i = 2; i + 3 < fields.size(); i += 4) {
    session.flashes.push_back({fields[i].size() % 2 ? "error" : "success", std::string(fields[i + 1]),
                               std::string(fields[i + 2]), std::string(fields[i + 3])});
  }
  const std::string cookie = http::sign_session(session, kKey);
  const auto back = http::verify_session(cookie, kKey, kNow);
  if (session.flashes.size() > 8) session.flashes.resize(8);  // sign_session keeps at most 8
  HTUT_FUZZ_CHECK(!back || same(*back, session), "round trip changed the session: " + show(cookie));
  // JSON cannot carry invalid UTF-8 and values over the size limit are refused
  // (not truncated); anything else must come back.
  bool valid_utf8 = http::is_valid_utf8(session.csrf_token);
  for (const auto& f : session.flashes)
    valid_utf8 = valid_utf8 && http::is_valid_utf8(f.document_name) && http::is_valid_utf8(f.document_slug) &&
                 http::is_valid_utf8(f.message);
  HTUT_FUZZ_CHECK(back || !valid_utf8 || cookie.size() > 8192, "a valid signed session was rejected: " + show(cookie));
  if (!back) return 0;

  check_cookie_header("session=" + cookie + "; other=1");
  HTUT_FUZZ_CHECK(http::parse_cookie_header("session=" + cookie)["session"] == cookie, "cookie header mangled");
  HTUT_FUZZ_CHECK(!http::verify_session(cookie, std::string(kKey) + "x", kNow), "accepted under a wrong key");
  HTUT_FUZZ_CHECK(!http::verify_session(cookie, kKey, session.issued_at + http::kSessionMaxAgeSeconds + 1),
                  "accepted an expired session");
  HTUT_FUZZ_CHECK(!http::verify_session(cookie, kKey, session.issued_at - 3600), "accepted a session from the future");

  // One random mutation: flip, insert, delete or truncate.
  std::string mutated = cookie;
  const std::size_t pos = rng.between(0, mutated.size() - 1);
  switch (rng.next() % 4) {
    case 0:
      mutated[pos] = static_cast<char>(mutated[pos] ^ static_cast<char>(1 + rng.next() % 255));
      break;
    case 1:
      mutated.insert(pos, 1, static_cast<char>(rng.next()));
      break;
    case 2:
      mutated.erase(pos, 1);
      break;
    default:
      mutated.resize(pos);
      break;
  }
  if (mutated != cookie) {
    HTUT_FUZZ_CHECK(!http::verify_session(mutated, kKey, kNow), "accepted a mutated cookie: " + show(mutated));
  }
  return 0;
}
