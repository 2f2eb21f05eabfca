#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "http/base64url.hpp"
#include "http/cookies.hpp"
#include "http/session.hpp"
#include "http/signed_value.hpp"

using namespace htut::http;

namespace {
const std::string kKey = "0123456789abcdef-test-key";
constexpr std::int64_t kNow = 1'800'000'000;

Session sample_session() {
  Session s;
  s.csrf_token = "00112233445566778899aabbccddeeff";
  s.issued_at = kNow - 60;
  s.flashes.push_back({"success", "Moby \"Dick\" <1>", "moby-dick-1", ""});
  s.flashes.push_back({"error", "", "", "storage is unavailable"});
  return s;
}
}  // namespace

TEST_CASE("base64url: round trips and rejects junk") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("\xFB\xFF") == "-_8");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17)
    CHECK(base64url_decode(base64url_encode(all.substr(0, n))) == all.substr(0, n));
  CHECK(base64url_decode("Zm9v") == "foo");
  CHECK(base64url_decode("Zm9v=") == std::nullopt);  // no padding
  CHECK(base64url_decode("Zm+v") == std::nullopt);   // not the url alphabet
  CHECK(base64url_decode("Z") == std::nullopt);      // impossible length
  CHECK(base64url_decode("Zh") == std::nullopt);     // non-zero leftover bits: not canonical
  CHECK(base64url_decode("Zg") == "f");
}

TEST_CASE("signed values: sign, verify, reject tampering") {
  const std::string v = sign_value("payload", kKey, "purpose");
  CHECK(verify_signed_value(v, kKey, "purpose") == "payload");
  CHECK(verify_signed_value(v, kKey, "other-purpose") == std::nullopt);
  CHECK(verify_signed_value(v, "another key of 16+ bytes", "purpose") == std::nullopt);
  // Flip every character in turn: nothing but the original verifies.
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string t = v;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    CHECK(verify_signed_value(t, kKey, "purpose") == std::nullopt);
  }
  for (std::size_t n = 0; n < v.size(); ++n)
    CHECK(verify_signed_value(v.substr(0, n), kKey, "purpose") == std::nullopt);
  CHECK(verify_signed_value(v + "A", kKey, "purpose") == std::nullopt);
  CHECK(verify_signed_value("", kKey, "purpose") == std::nullopt);
  CHECK(verify_signed_value(".", kKey, "purpose") == std::nullopt);
  CHECK(verify_signed_value(std::string(100000, 'a') + "." + v, kKey, "purpose") == std::nullopt);
  CHECK(sign_value("", kKey, "p").find('.') == 0);
  CHECK(verify_signed_value(sign_value("", kKey, "p"), kKey, "p") == "");
}

TEST_CASE("session: round trip keeps every field") {
  const Session s = sample_session();
  const std::string cookie = sign_session(s, kKey);
  CHECK(cookie.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
        std::string::npos);
  const auto back = verify_session(cookie, kKey, kNow);
  REQUIRE(back);
  CHECK(back->csrf_token == s.csrf_token);
  CHECK(back->issued_at == s.issued_at);
  REQUIRE(back->flashes.size() == 2);
  CHECK(back->flashes[0].kind == "success");
  CHECK(back->flashes[0].document_name == "Moby \"Dick\" <1>");
  CHECK(back->flashes[0].document_slug == "moby-dick-1");
  CHECK(back->flashes[1].kind == "error");
  CHECK(back->flashes[1].message == "storage is unavailable");
}

TEST_CASE("session: tampered, wrong key, garbage and expired cookies are ignored") {
  const std::string cookie = sign_session(sample_session(), kKey);
  CHECK(!verify_session(cookie, "a different secret key", kNow));
  CHECK(!verify_session("", kKey, kNow));
  CHECK(!verify_session("garbage", kKey, kNow));
  CHECK(!verify_session("a.b.c", kKey, kNow));
  CHECK(!verify_session(cookie.substr(0, cookie.size() - 1), kKey, kNow));
  std::string tampered = cookie;
  tampered[3] = tampered[3] == 'x' ? 'y' : 'x';
  CHECK(!verify_session(tampered, kKey, kNow));
  SECTION("age") {
    const std::int64_t issued = kNow - 60;
    CHECK(verify_session(cookie, kKey, issued + kSessionMaxAgeSeconds));
    CHECK(!verify_session(cookie, kKey, issued + kSessionMaxAgeSeconds + 1));
    CHECK(verify_session(cookie, kKey, issued - 300));  // small clock skew is fine
    CHECK(!verify_session(cookie, kKey, issued - 301));
  }
}

TEST_CASE("session: validly signed payloads that are not sessions are ignored") {
  // Signed with the same key and purpose, but the JSON is wrong: still nullopt, never an exception.
  const auto forge = [](const std::string& json) { return sign_value(json, kKey, "htut-session-v1"); };
  CHECK(verify_session(forge(R"({"csrf":"a","flash":[],"iat":1800000000})"), kKey, kNow));
  CHECK(verify_session(forge(R"({"csrf":"a","iat":1800000000})"), kKey, kNow));  // flash optional
  CHECK(!verify_session(forge("not json"), kKey, kNow));
  CHECK(!verify_session(forge("[]"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"flash":[],"iat":1800000000})"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"csrf":1,"flash":[],"iat":1800000000})"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"csrf":"a","flash":[],"iat":"1800000000"})"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"csrf":"a","flash":[],"iat":1.8e9})"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"csrf":"a","flash":{},"iat":1800000000})"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"csrf":"a","flash":[{"kind":"info"}],"iat":1800000000})"), kKey, kNow));
  CHECK(!verify_session(forge(R"({"csrf":"a","flash":[{"kind":"success","document_name":5}],"iat":1800000000})"), kKey,
                        kNow));
  CHECK(!verify_session(forge(R"({"csrf":"a","flash":[1],"iat":1800000000})"), kKey, kNow));
}

TEST_CASE("csrf: tokens are random 32 hex and compared exactly") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = new_csrf_token();
    CHECK(t.size() == 32);
    CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(t);
  }
  CHECK(seen.size() == 100);
  const std::string t = new_csrf_token();
  CHECK(csrf_matches(t, t));
  CHECK(!csrf_matches(t, new_csrf_token()));
  CHECK(!csrf_matches(t.substr(0, 31), t));
  CHECK(!csrf_matches(t + "0", t));
  CHECK(!csrf_matches("", ""));
  CHECK(!csrf_matches("", t));
  CHECK(!csrf_matches(t, ""));
}

TEST_CASE("cookies: parsing is tolerant and the first wins") {
  auto c = parse_cookie_header("session=abc.def; theme=dark;other=\"quoted\"; session=second; =noname; junk; x=");
  CHECK(c["session"] == "abc.def");
  CHECK(c["theme"] == "dark");
  CHECK(c["other"] == "quoted");
  CHECK(c.count("x") == 1);
  CHECK(c["x"] == "");
  CHECK(c.count("") == 0);
  CHECK(c.count("junk") == 0);
  CHECK(parse_cookie_header("").empty());
  CHECK(parse_cookie_header(";;; ;").empty());
  CHECK(parse_cookie_header("a=b=c")["a"] == "b=c");
}

TEST_CASE("cookies: Set-Cookie value") {
  CHECK(set_cookie_header("session", "v.m", 604800) == "session=v.m; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax");
  CHECK(set_cookie_header("session", "", 0) == "session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  CHECK(set_cookie_header("s", "x", -5) == "s=x; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

TEST_CASE("cookies: a signed session survives the cookie round trip") {
  const std::string value = sign_session(sample_session(), kKey);
  const std::string header = set_cookie_header(kSessionCookieName, value, kSessionMaxAgeSeconds);
  const std::string sent = "other=1; " + header.substr(0, header.find(';'));
  const auto cookies = parse_cookie_header(sent);
  REQUIRE(cookies.count(std::string(kSessionCookieName)));
  CHECK(verify_session(cookies.at(std::string(kSessionCookieName)), kKey, kNow));
}
