#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "http/multipart.hpp"

using namespace htut;
using namespace htut::http;

namespace {

// What a parse produced: "begin ..." / "data:<all bytes of the part>" / "end"
// events (data pieces merged, since piece sizes depend on chunking), and the
// error if any.
struct Outcome {
  std::vector<std::string> events;
  std::optional<Error> error;
  std::size_t data_calls = 0;
};

struct Recorder {
  Outcome out;
  MultipartParser::Handler handler() {
    MultipartParser::Handler h;
    h.on_part_begin = [this](const PartHeaders& p) {
      out.events.push_back("begin name=" + p.name + (p.filename ? " filename=" + *p.filename : "") +
                           (p.content_type.empty() ? "" : " type=" + p.content_type));
      return ok_status();
    };
    h.on_part_data = [this](std::string_view d) {
      REQUIRE(!d.empty());
      ++out.data_calls;
      if (out.events.empty() || out.events.back().rfind("data:", 0) != 0) out.events.push_back("data:");
      out.events.back().append(d);
      return ok_status();
    };
    h.on_part_end = [this] {
      out.events.push_back("end");
      return ok_status();
    };
    return h;
  }
};

// Feeds body cut at the given offsets (ascending), then finishes.
Outcome parse_split(std::string_view body, const std::string& boundary, const std::vector<std::size_t>& cuts,
                    MultipartLimits limits = {}) {
  Recorder rec;
  MultipartParser parser(boundary, limits, rec.handler());
  std::size_t from = 0;
  std::vector<std::size_t> all = cuts;
  all.push_back(body.size());
  for (std::size_t to : all) {
    auto st = parser.feed(body.substr(from, to - from));
    if (!st) {
      rec.out.error = st.error();
      return rec.out;
    }
    from = to;
  }
  if (auto st = parser.finish(); !st) rec.out.error = st.error();
  return rec.out;
}

Outcome parse_whole(std::string_view body, const std::string& boundary = "XyZ", MultipartLimits limits = {}) {
  return parse_split(body, boundary, {}, limits);
}

Outcome parse_bytewise(std::string_view body, const std::string& boundary = "XyZ", MultipartLimits limits = {}) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
  return parse_split(body, boundary, cuts, limits);
}

std::string error_text(const Outcome& o) { return o.error ? o.error->message : std::string("(no error)"); }

const std::string kSimple =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"document-name\"\r\n"
    "\r\n"
    "Moby Dick\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"input-file\"; filename=\"moby.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Call me Ishmael.\r\nSome years ago\r\n"
    "--XyZ--\r\n";

const std::vector<std::string> kSimpleEvents = {"begin name=document-name",
                                                "data:Moby Dick",
                                                "end",
                                                "begin name=input-file filename=moby.txt type=text/plain",
                                                "data:Call me Ishmael.\r\nSome years ago",
                                                "end"};

std::string binary_payload() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  // Things that look like the start of a delimiter but are not one.
  s += "\r\n--XyQ\r\n--Xy\r\n-\r\r\n--\r\n--xyz\r\n\r\n--XY";
  s += std::string("\0\r\n--\0", 6);
  return s;
}

std::string binary_body() {
  return "preamble text \r\n--XyZ\r\n"
         "Content-Disposition: form-data; name=\"f\"; filename=\"b.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" +
         binary_payload() +
         "\r\n--XyZ\r\n"
         "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
         "\r\n--XyZ--\r\nepilogue is ignored --XyZ\r\n";
}

}  // namespace

TEST_CASE("multipart: a browser-like form gives begin/data/end per part") {
  const auto o = parse_whole(kSimple);
  INFO(error_text(o));
  REQUIRE(!o.error);
  CHECK(o.events == kSimpleEvents);
}

TEST_CASE("multipart: every split point gives identical events") {
  const std::vector<std::string> bodies = {kSimple, binary_body(),
                                           "--XyZ  \t\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--"};
  for (const auto& body : bodies) {
    const auto whole = parse_whole(body);
    INFO(error_text(whole));
    REQUIRE(!whole.error);
    for (std::size_t i = 0; i <= body.size(); ++i) {
      const auto split = parse_split(body, "XyZ", {i});
      INFO("split at " << i);
      REQUIRE(!split.error);
      REQUIRE(split.events == whole.events);
    }
  }
}

TEST_CASE("multipart: every pair of split points gives identical events") {
  const auto whole = parse_whole(kSimple);
  for (std::size_t i = 0; i <= kSimple.size(); ++i) {
    for (std::size_t j = i; j <= kSimple.size(); ++j) {
      const auto split = parse_split(kSimple, "XyZ", {i, j});
      if (split.events != whole.events || split.error) FAIL("split at " << i << "," << j << ": " << error_text(split));
    }
  }
}

TEST_CASE("multipart: one byte at a time") {
  for (const auto& body : {kSimple, binary_body()}) {
    const auto whole = parse_whole(body);
    const auto bytewise = parse_bytewise(body);
    INFO(error_text(bytewise));
    REQUIRE(!bytewise.error);
    CHECK(bytewise.events == whole.events);
  }
}

TEST_CASE("multipart: binary data containing CRLF-- that is not the boundary is kept exactly") {
  const auto o = parse_bytewise(binary_body());
  REQUIRE(!o.error);
  REQUIRE(o.events.size() == 5);
  CHECK(o.events[0] == "begin name=f filename=b.bin type=application/octet-stream");
  CHECK(o.events[1] == "data:" + binary_payload());
  CHECK(o.events[2] == "end");
  CHECK(o.events[3] == "begin name=empty");
  CHECK(o.events[4] == "end");  // an empty part has no data event
}

TEST_CASE("multipart: data streams out while held back bytes stay below a boundary's length") {
  // A part that never ends: data must still be delivered as it arrives.
  Recorder rec;
  MultipartParser parser("XyZ", {}, rec.handler());
  REQUIRE(parser.feed("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n"));
  const std::string block(1 << 16, 'a');
  for (int i = 0; i < 64; ++i) REQUIRE(parser.feed(block));  // 4 MiB, far above the field limit: a file part
  REQUIRE(rec.out.events.size() == 2);
  const std::size_t delivered = rec.out.events[1].size() - 5;
  CHECK(delivered == 64u * block.size());  // no '\r' in the data, so nothing is held back
  REQUIRE(parser.feed("bbb\r\n--Xy"));
  CHECK(rec.out.events[1].size() - 5 == delivered + 3);  // "\r\n--Xy" might be the delimiter
  auto st = parser.finish();
  REQUIRE(!st);
  CHECK(st.error().kind == Error::Kind::invalid);
  CHECK(st.error().message.find("truncated multipart body") != std::string::npos);
  CHECK(!parser.done());
}

TEST_CASE("multipart: truncated bodies fail at finish") {
  const std::vector<std::string> truncated = {
      "",
      "no boundary here at all",
      "--XyZ",
      "--XyZ\r\n",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ-",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ\r\n",
  };
  for (const auto& body : truncated) {
    INFO(body);
    for (const auto& o : {parse_whole(body), parse_bytewise(body)}) {
      REQUIRE(o.error);
      CHECK(o.error->kind == Error::Kind::invalid);
      CHECK(o.error->message == "truncated multipart body: the closing boundary was not found");
    }
  }
}

TEST_CASE("multipart: closing variants") {
  SECTION("no parts at all") {
    const auto o = parse_whole("--XyZ--");
    CHECK(!o.error);
    CHECK(o.events.empty());
  }
  SECTION("close without trailing CRLF, and epilogue after close") {
    for (std::string tail : {"", "\r\n", "\r\ngarbage\r\n--XyZ\r\nnot parsed"}) {
      const auto o = parse_bytewise("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--" + tail);
      INFO(error_text(o));
      CHECK(!o.error);
      CHECK(o.events == std::vector<std::string>{"begin name=a", "data:v", "end"});
    }
  }
  SECTION("transport padding after a boundary") {
    const auto o = parse_bytewise("--XyZ \t \r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--");
    CHECK(!o.error);
    CHECK(o.events.size() == 3);
  }
  SECTION("a CRLF before the first boundary is preamble") {
    const auto o = parse_whole("\r\n--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--");
    CHECK(!o.error);
    CHECK(o.events.size() == 3);
  }
}

TEST_CASE("multipart: bare LF line endings are rejected") {
  const std::string lf = "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nvalue\n--XyZ--\n";
  for (const auto& o : {parse_whole(lf), parse_bytewise(lf)}) {
    REQUIRE(o.error);
    CHECK(o.error->kind == Error::Kind::invalid);
    CHECK(o.error->message == "a multipart boundary line must end with CRLF, not a bare LF");
  }
  // LF-only part headers never end (no CRLFCRLF): the body is truncated.
  const std::string lf_headers = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\nvalue\r\n--XyZ--\r\n";
  const auto o = parse_whole(lf_headers);
  REQUIRE(o.error);
  CHECK(o.error->kind == Error::Kind::invalid);
  // ...and a bare LF inside a header block that does end is refused.
  const auto bare = parse_whole("--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\nv\r\n--XyZ--");
  REQUIRE(bare.error);
  CHECK(bare.error->message == "a part header contains a bare CR, LF or NUL");
}

TEST_CASE("multipart: malformed part headers") {
  struct Case {
    std::string headers;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Content-Type: text/plain", "a part has no Content-Disposition header"},
      {"Content-Disposition: form-data", "a part has no name in its Content-Disposition"},
      {"Content-Disposition: form-data; name=\"\"", "a part has no name in its Content-Disposition"},
      {"Content-Disposition: form-data; filename=\"a.txt\"", "a part has no name in its Content-Disposition"},
      {"Content-Disposition: attachment; name=\"a\"", "a part's Content-Disposition must be form-data"},
      {"Content-Disposition: form-data; name=\"a", "malformed Content-Disposition part header"},
      {"Content-Disposition: form-data; name=\"a\"; name=\"b\"", "malformed Content-Disposition part header"},
      {"Content-Disposition: form-data; name=\"a\" junk", "malformed Content-Disposition part header"},
      {"Content-Disposition: form-data; name", "malformed Content-Disposition part header"},
      {"Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b",
       "a part has two Content-Disposition headers"},
      {"Content-Disposition: form-data; name=a\r\n folded", "folded part header lines are not supported"},
      {"Content-Disposition: form-data; name=a\r\nno colon here", "a part header line has no ':'"},
      {"Content-Disposition: form-data; name=a\r\n: empty", "a part header has an empty name"},
      {"Content-Disposition: form-data; name=a\r\nBad Name: x", "a part header has an invalid name"},
      {"Content-Disposition: form-data; name=a; filename*=UTF-8''%ZZ",
       "malformed filename* parameter in a part's Content-Disposition"},
      {"Content-Disposition: form-data; name=a; filename*=koi8-r''abc",
       "malformed filename* parameter in a part's Content-Disposition"},
      {"Content-Disposition: form-data; name=a; filename*=UTF-8''%C3",
       "malformed filename* parameter in a part's Content-Disposition"},
  };
  for (const auto& c : cases) {
    const std::string body = "--XyZ\r\n" + c.headers + "\r\n\r\nvalue\r\n--XyZ--\r\n";
    INFO(c.headers);
    for (const auto& o : {parse_whole(body), parse_bytewise(body)}) {
      REQUIRE(o.error);
      CHECK(o.error->kind == Error::Kind::invalid);
      CHECK(o.error->message == c.message);
      CHECK(o.events.empty());
    }
  }
  const auto empty = parse_whole("--XyZ\r\n\r\nvalue\r\n--XyZ--\r\n");
  REQUIRE(empty.error);
  CHECK(empty.error->message == "a part has no Content-Disposition header");
}

TEST_CASE("multipart: a boundary followed by other bytes is malformed") {
  const auto o = parse_whole("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZabc\r\n--XyZ--");
  REQUIRE(o.error);
  CHECK(o.error->kind == Error::Kind::invalid);
  CHECK(o.error->message.find("unexpected bytes after a multipart boundary") == 0);
  const auto dash = parse_whole("--XyZ-x\r\n");
  REQUIRE(dash.error);
  const auto padded_close = parse_whole("--XyZ --\r\n");
  REQUIRE(padded_close.error);
  const auto too_much_padding = parse_whole("--XyZ" + std::string(100, ' ') + "\r\n");
  REQUIRE(too_much_padding.error);
  CHECK(too_much_padding.error->message == "too much white space after a multipart boundary");
}

TEST_CASE("multipart: part header size limit") {
  const std::string prefix = "Content-Disposition: form-data; name=a\r\nX-Pad: ";
  // Header block bytes = prefix + pad + "\r\n\r\n".
  const auto body_with = [&](std::size_t block_bytes) {
    const std::string pad(block_bytes - prefix.size() - 4, 'p');
    return "--XyZ\r\n" + prefix + pad + "\r\n\r\nv\r\n--XyZ--";
  };
  SECTION("exactly 8 KiB is accepted") {
    for (const auto& o : {parse_whole(body_with(8192)), parse_bytewise(body_with(8192))}) {
      INFO(error_text(o));
      CHECK(!o.error);
      CHECK(o.events.size() == 3);
    }
  }
  SECTION("one byte more is too large") {
    for (const auto& o : {parse_whole(body_with(8193)), parse_bytewise(body_with(8193))}) {
      REQUIRE(o.error);
      CHECK(o.error->kind == Error::Kind::invalid);
      CHECK(o.error->message == "part headers exceed 8 KiB");
    }
  }
  SECTION("headers that never end are too large without reading everything") {
    Recorder rec;
    MultipartParser parser("XyZ", {}, rec.handler());
    REQUIRE(parser.feed("--XyZ\r\nX-Huge: "));
    Status st = ok_status();
    std::size_t fed = 0;
    while (st && fed < 1'000'000) {
      st = parser.feed(std::string(100, 'h'));
      fed += 100;
    }
    REQUIRE(!st);
    CHECK(fed <= 8192 + 100);
    CHECK(st.error().message == "part headers exceed 8 KiB");
    CHECK(!parser.feed("more"));  // stays failed
    CHECK(!parser.finish());
  }
}

TEST_CASE("multipart: part count limit") {
  const auto many_parts = [](int n) {
    std::string body;
    for (int i = 0; i < n; ++i)
      body += "--XyZ\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nv\r\n";
    return body + "--XyZ--\r\n";
  };
  SECTION("16 parts are fine, 17 are too many") {
    CHECK(!parse_whole(many_parts(16)).error);
    const auto o = parse_whole(many_parts(17));
    REQUIRE(o.error);
    CHECK(o.error->kind == Error::Kind::invalid);
    CHECK(o.error->message == "too many parts (at most 16)");
    CHECK(o.events.size() == 16 * 3);  // the 17th part was never begun
  }
  SECTION("10,000 parts are rejected early") {
    const auto o = parse_whole(many_parts(10000));
    REQUIRE(o.error);
    CHECK(o.error->message == "too many parts (at most 16)");
  }
  SECTION("10,000 parts parse when the limit allows them") {
    MultipartLimits limits;
    limits.max_parts = 10000;
    const auto o = parse_whole(many_parts(10000), "XyZ", limits);
    INFO(error_text(o));
    REQUIRE(!o.error);
    REQUIRE(o.events.size() == 30000);
    CHECK(o.events[29997] == "begin name=f9999");
  }
}

TEST_CASE("multipart: field size limit applies to non-file parts only") {
  MultipartLimits limits;
  limits.max_field_bytes = 10;
  const std::string ok_field = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n0123456789\r\n--XyZ--";
  CHECK(!parse_bytewise(ok_field, "XyZ", limits).error);
  const std::string big_field = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n0123456789X\r\n--XyZ--";
  const auto o = parse_bytewise(big_field, "XyZ", limits);
  REQUIRE(o.error);
  CHECK(o.error->kind == Error::Kind::invalid);
  CHECK(o.error->message == "form field \"a\" is larger than 10 bytes");
  const std::string big_file =
      "--XyZ\r\nContent-Disposition: form-data; name=a; filename=x\r\n\r\n0123456789X\r\n--XyZ--";
  CHECK(!parse_whole(big_file, "XyZ", limits).error);
  MultipartLimits defaults;
  const std::string huge =
      "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n" + std::string(65537, 'x') + "\r\n--XyZ--";
  const auto d = parse_whole(huge, "XyZ", defaults);
  REQUIRE(d.error);
  CHECK(d.error->message == "form field \"a\" is larger than 64 KiB");
}

TEST_CASE("multipart: a handler error aborts parsing and sticks") {
  MultipartParser::Handler h;
  int data_calls = 0;
  h.on_part_data = [&](std::string_view) -> Status {
    ++data_calls;
    return make_error(Error::Kind::too_large, "file is larger than 1 byte");
  };
  MultipartParser parser("XyZ", {}, h);
  auto st = parser.feed(kSimple);
  REQUIRE(!st);
  CHECK(st.error().kind == Error::Kind::too_large);
  CHECK(st.error().message == "file is larger than 1 byte");
  CHECK(data_calls == 1);
  CHECK(parser.feed("x").error().message == "file is larger than 1 byte");
  CHECK(parser.finish().error().message == "file is larger than 1 byte");

  MultipartParser::Handler begin_fails;
  begin_fails.on_part_begin = [](const PartHeaders&) -> Status {
    return make_error(Error::Kind::invalid, "unexpected field");
  };
  MultipartParser p2("XyZ", {}, begin_fails);
  CHECK(p2.feed(kSimple).error().message == "unexpected field");
}

TEST_CASE("multipart: empty handler callbacks are allowed") {
  MultipartParser parser("XyZ", {}, {});
  CHECK(parser.feed(kSimple));
  CHECK(parser.finish());
  CHECK(parser.done());
}

TEST_CASE("multipart: file names") {
  const auto name_of = [](const std::string& disposition) -> std::optional<std::string> {
    std::optional<std::string> filename;
    MultipartParser::Handler h;
    h.on_part_begin = [&](const PartHeaders& p) {
      filename = p.filename;
      return ok_status();
    };
    MultipartParser parser("XyZ", {}, h);
    auto st = parser.feed("--XyZ\r\nContent-Disposition: " + disposition + "\r\n\r\nv\r\n--XyZ--");
    REQUIRE(st);
    return filename;
  };
  CHECK(name_of("form-data; name=f; filename=\"a \\\"b\\\" \\\\c.txt\"") == "a \"b\" \\c.txt");
  CHECK(name_of("form-data; name=f; filename=\"C:\\Users\\me\\moby.txt\"") == "C:\\Users\\me\\moby.txt");
  CHECK(name_of("form-data; name=f; filename=\"\"") == "");
  CHECK(name_of("form-data; name=f") == std::nullopt);
  CHECK(name_of("form-data; name=f; filename=plain.txt") == "plain.txt");
  CHECK(name_of("form-data; name=f; filename=\"na\xC3\xAFve.txt\"") == "na\xC3\xAFve.txt");
  CHECK(name_of("form-data; name=f; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20%E2%82%AC.txt") ==
        "na\xC3\xAFve \xE2\x82\xAC.txt");
  CHECK(name_of("form-data; name=f; filename*=utf-8'en'r%C3%A9sum%C3%A9.txt; filename=\"x\"") ==
        "r\xC3\xA9sum\xC3\xA9.txt");
  CHECK(name_of("form-data; name=f; filename*=ISO-8859-1''caf%E9.txt") == "caf\xC3\xA9.txt");
  CHECK(name_of("FORM-DATA; NAME=f; FILENAME=\"x.txt\"") == "x.txt");
  CHECK(name_of("form-data ;  name = \"f\" ; filename = \"spaced.txt\" ") == "spaced.txt");
}

TEST_CASE("multipart: boundary_from_content_type") {
  CHECK(boundary_from_content_type("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW") ==
        "----WebKitFormBoundary7MA4YWxkTrZu0gW");
  CHECK(boundary_from_content_type("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"") == "a b:c");
  CHECK(boundary_from_content_type("multipart/form-data;boundary=x") == "x");
  CHECK(boundary_from_content_type("multipart/form-data; boundary=" + std::string(70, 'b')) == std::string(70, 'b'));
  CHECK(boundary_from_content_type("multipart/form-data; boundary=" + std::string(71, 'b')) == std::nullopt);
  CHECK(boundary_from_content_type("multipart/form-data; boundary=") == std::nullopt);
  CHECK(boundary_from_content_type("multipart/form-data; boundary=\"\"") == std::nullopt);
  CHECK(boundary_from_content_type("multipart/form-data; boundary=\"ends with space \"") == std::nullopt);
  CHECK(boundary_from_content_type("multipart/form-data; boundary=\"bad*char\"") == std::nullopt);
  CHECK(boundary_from_content_type("multipart/form-data") == std::nullopt);
  CHECK(boundary_from_content_type("multipart/mixed; boundary=x") == std::nullopt);
  CHECK(boundary_from_content_type("application/x-www-form-urlencoded") == std::nullopt);
  CHECK(boundary_from_content_type("") == std::nullopt);
  CHECK(boundary_from_content_type("multipart/form-data; boundary=a; boundary=b") == std::nullopt);
}

TEST_CASE("multipart: a real long boundary from a browser") {
  const std::string b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  const std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n0123abcd\r\n--" +
                           b +
                           "\r\nContent-Disposition: form-data; name=\"input-file\"; filename=\"w.txt\"\r\n"
                           "Content-Type: text/plain\r\n\r\nword word\r\n--" +
                           b.substr(0, 20) + "\r\n--" + b + "--\r\n";
  for (const auto& o : {parse_split(body, b, {}), parse_bytewise(body, b)}) {
    INFO(error_text(o));
    REQUIRE(!o.error);
    REQUIRE(o.events.size() == 6);
    CHECK(o.events[1] == "data:0123abcd");
    CHECK(o.events[4] == "data:word word\r\n--" + b.substr(0, 20));
  }
}

TEST_CASE("multipart: random bodies in random chunks decode to exactly what was encoded") {
  std::mt19937 rng(12345);  // fixed seed: reproducible
  const std::string boundary = "b0undary";
  // Content made of pieces that resemble the delimiter, so edges get exercised.
  const std::vector<std::string> atoms = {"\r",       "\n",     "\r\n",        "-",
                                          "--",       "\r\n--", "\r\n--b0und", "\r\n--b0undar",
                                          "b0undary", "x",      "hello world", std::string(1, '\0'),
                                          "\xFF"};
  for (int round = 0; round < 300; ++round) {
    std::string body = (round % 3 == 0) ? "some preamble\r\n" : "";
    std::vector<std::string> expected;
    const int parts = static_cast<int>(rng() % 5);
    for (int p = 0; p < parts; ++p) {
      std::string content;
      const int n = static_cast<int>(rng() % 40);
      for (int k = 0; k < n; ++k) content += atoms[rng() % atoms.size()];
      // A client picks a boundary that its content does not contain.
      for (std::size_t at; (at = content.find("\r\n--" + boundary)) != std::string::npos;) content.erase(at, 2);
      const std::string name =
          std::string("p").append(std::to_string(p));  // not "p" + ...: GCC 12 -Wrestrict false positive
      body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"f\"\r\n\r\n" +
              content + "\r\n";
      expected.push_back("begin name=" + name + " filename=f");
      if (!content.empty()) expected.push_back("data:" + content);
      expected.push_back("end");
    }
    body += "--" + boundary + "--\r\n";
    std::vector<std::size_t> cuts;
    for (std::size_t at = rng() % 7; at < body.size(); at += 1 + rng() % 23) cuts.push_back(at);
    const auto o = parse_split(body, boundary, cuts);
    INFO("round " << round << ": " << error_text(o));
    REQUIRE(!o.error);
    REQUIRE(o.events == expected);
  }
}
