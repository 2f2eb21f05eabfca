#include <catch2/catch.hpp>
#include <map>
#include <stdexcept>
#include <string>

#include "http/html.hpp"
#include "http/query.hpp"
#include "http/template.hpp"
#include "http/utf8.hpp"

using namespace htut::http;

TEST_CASE("html_escape: the five characters") {
  CHECK(html_escape("") == "");
  CHECK(html_escape("plain") == "plain");
  CHECK(html_escape("<script>alert('x' & \"y\")</script>") ==
        "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;");
  CHECK(html_escape("&amp;") == "&amp;amp;");
  CHECK(html_escape("Crème 🐳 \u202E") == "Crème 🐳 \u202E");  // valid UTF-8 is kept
}

TEST_CASE("html_escape: invalid UTF-8 becomes U+FFFD") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(html_escape("a\xFF"
                    "b") == "a" + fffd + "b");
  CHECK(html_escape("\xC3") == fffd);                        // truncated at the end
  CHECK(html_escape("\xE2\x82<") == fffd + "&lt;");          // truncated sequence, '<' still escaped
  CHECK(html_escape("\xC0\xAF") == fffd + fffd);             // overlong
  CHECK(html_escape("\xED\xA0\x80") == fffd + fffd + fffd);  // surrogate: E D then two bad continuation bytes
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    CHECK(is_valid_utf8(html_escape(s + "\x80\xBF\xF0\x9F")));
  }
}

TEST_CASE("reveal_format_characters makes invisible characters visible") {
  CHECK(reveal_format_characters("abc\u202Etxt.exe") == "abc<U+202E>txt.exe");
  CHECK(reveal_format_characters("a\u200Bb\u2066c") == "a<U+200B>b<U+2066>c");
  CHECK(reveal_format_characters("plain é 🐳") == "plain é 🐳");
  CHECK(html_escape(reveal_format_characters("x\u202E")) == "x&lt;U+202E&gt;");
}

TEST_CASE("valid_request_id") {
  CHECK(valid_request_id("abc-DEF_123.x"));
  CHECK(valid_request_id(std::string(200, 'a')));
  CHECK(!valid_request_id(std::string(201, 'a')));
  CHECK(!valid_request_id(""));
  CHECK(!valid_request_id("has space"));
  CHECK(!valid_request_id("a\r\nX-Injected: 1"));
  CHECK(!valid_request_id("a/b"));
  CHECK(!valid_request_id("é"));
}

TEST_CASE("url_encode_path_segment") {
  CHECK(url_encode_path_segment("moby-dick_1.2~x") == "moby-dick_1.2~x");
  CHECK(url_encode_path_segment("a b/c?d#e%f") == "a%20b%2Fc%3Fd%23e%25f");
  CHECK(url_encode_path_segment("é") == "%C3%A9");
  CHECK(url_encode_path_segment("") == "");
}

TEST_CASE("render_template") {
  const std::map<std::string, std::string> values = {
      {"title", "Moby <Dick> & \"friends\""}, {"html", "<b>bold</b>"}, {"empty", ""}};
  const TemplateLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
  const AssetUrl asset = [](std::string_view path) {
    std::string url = "/";  // built by append: GCC 12 warns falsely (-Wrestrict) on "/" + std::string
    url.append(path).append("?v=abc&x=1");
    return url;
  };

  CHECK(render_template("<h1>{{title}}</h1>", lookup, asset) == "<h1>Moby &lt;Dick&gt; &amp; &quot;friends&quot;</h1>");
  CHECK(render_template("{{{html}}}|{{html}}", lookup, asset) == "<b>bold</b>|&lt;b&gt;bold&lt;/b&gt;");
  CHECK(render_template("<link href=\"{{asset:static/app.css}}\">", lookup, asset) ==
        "<link href=\"/static/app.css?v=abc&amp;x=1\">");
  CHECK(render_template("{{ title }}{{empty}}", lookup, asset) == "Moby &lt;Dick&gt; &amp; &quot;friends&quot;");
  CHECK(render_template("no tags { } }} {x}", lookup, asset) == "no tags { } }} {x}");
  CHECK(render_template("", lookup, asset) == "");
  // Values are not re-scanned for tags.
  const TemplateLookup braces = [](std::string_view) -> std::optional<std::string> { return "{{title}}"; };
  CHECK(render_template("{{x}}", braces, asset) == "{{title}}");

  CHECK_THROWS_AS(render_template("{{unknown}}", lookup, asset), std::logic_error);
  CHECK_THROWS_WITH(render_template("a {{nope}}", lookup, asset), "template refers to unknown name 'nope'");
  CHECK_THROWS_AS(render_template("{{{unknown}}}", lookup, asset), std::logic_error);
  CHECK_THROWS_AS(render_template("{{title", lookup, asset), std::logic_error);
  CHECK_THROWS_AS(render_template("{{{html}}", lookup, asset), std::logic_error);
  CHECK_THROWS_AS(render_template("{{}}", lookup, asset), std::logic_error);
}

TEST_CASE("percent_decode: a path segment") {
  using htut::http::percent_decode;
  CHECK(percent_decode("c%2B%2B-tips") == "c++-tips");
  CHECK(percent_decode("c++-tips") == "c++-tips");  // '+' is not a space in a path
  CHECK(percent_decode("a%3ab") == "a:b");
  CHECK(percent_decode("") == "");
  CHECK_FALSE(percent_decode("a%2").has_value());
  CHECK_FALSE(percent_decode("a%zz").has_value());
}

TEST_CASE("parse_query") {
  auto q = parse_query("?a=1&b=x+y%20z&c&&d=%C3%A9&a=2");
  REQUIRE(q);
  REQUIRE(q->size() == 5);
  CHECK((*q)[0] == std::pair<std::string, std::string>{"a", "1"});
  CHECK((*q)[1].second == "x y z");
  CHECK((*q)[2] == std::pair<std::string, std::string>{"c", ""});
  CHECK((*q)[3].second == "é");
  CHECK((*q)[4] == std::pair<std::string, std::string>{"a", "2"});
  CHECK(parse_query("")->empty());
  CHECK(!parse_query("a=%"));
  CHECK(!parse_query("a=%4"));
  CHECK(!parse_query("a=%zz"));
  CHECK(parse_query("a=%41")->at(0).second == "A");
}

TEST_CASE("parse_limit") {
  CHECK(parse_limit("") == 20);
  CHECK(parse_limit("other=5") == 20);
  CHECK(parse_limit("limit=1") == 1);
  CHECK(parse_limit("limit=100") == 100);
  CHECK(parse_limit("limit=42&x=y") == 42);
  CHECK(parse_limit("?limit=7") == 7);
  CHECK(parse_limit("limit=%35") == 5);
  CHECK(parse_limit("limit=007") == 7);
  for (const char* bad :
       {"limit=", "limit", "limit=0", "limit=101", "limit=1000", "limit=-1", "limit=+5", "limit=5.0", "limit=abc",
        "limit= 5", "limit=5&limit=6", "limit=99999999999999999999", "limit=%zz", "limit=1e2", "limit=0x10"}) {
    INFO(bad);
    CHECK(parse_limit(bad) == std::nullopt);
  }
}
