#include <catch2/catch.hpp>
#include <cstdlib>

#include "config/config.hpp"
#include "config/env_file.hpp"
#include "log/log.hpp"

using namespace htut;

TEST_CASE("env file: plain, export, comments, quotes") {
  auto r = config::parse_env_file(
      "# comment\n"
      "A=1\n"
      "export B = two words \n"
      "C=\"quoted # not a comment\"\n"
      "D='single $x'\n"
      "E=value # trailing comment\n"
      "F=\"line\\nbreak\"\n"
      "\n"
      "G=\n");
  REQUIRE(r.ok());
  const auto& v = *r;
  REQUIRE(v.size() == 7);
  CHECK(v[0] == std::pair<std::string, std::string>{"A", "1"});
  CHECK(v[1] == std::pair<std::string, std::string>{"B", "two words"});
  CHECK(v[2].second == "quoted # not a comment");
  CHECK(v[3].second == "single $x");
  CHECK(v[4].second == "value");
  CHECK(v[5].second == "line\nbreak");
  CHECK(v[6].second == "");
}

TEST_CASE("env file: bad lines name the line") {
  auto r = config::parse_env_file("A=1\nthis is not an assignment\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("line 2") != std::string::npos);
  CHECK_FALSE(config::parse_env_file("1A=x\n").ok());
  CHECK_FALSE(config::parse_env_file("A=\"unterminated\n").ok());
  CHECK_FALSE(config::parse_env_file("A='x' junk\n").ok());
}

TEST_CASE("env file: CRLF line endings") {
  auto r = config::parse_env_file("A=1\r\nB=\"2\"\r\n");
  REQUIRE(r.ok());
  CHECK((*r)[0].second == "1");
  CHECK((*r)[1].second == "2");
}

TEST_CASE("region from endpoint host") {
  CHECK(config::region_from_endpoint("https://s3-us-west-1.amazonaws.com/") == "us-west-1");
  CHECK(config::region_from_endpoint("https://s3.eu-central-1.amazonaws.com") == "eu-central-1");
  CHECK(config::region_from_endpoint("https://bucket.s3.ap-south-1.amazonaws.com/") == "ap-south-1");
  CHECK(config::region_from_endpoint("https://s3.amazonaws.com/") == "");
  CHECK(config::region_from_endpoint("http://127.0.0.1:14569/") == "");
}

TEST_CASE("redact_url hides the password") {
  CHECK(config::redact_url("postgres://u:secret@h:5432/db") == "postgres://u:***@h:5432/db");
  CHECK(config::redact_url("amqp://h/v") == "amqp://h/v");
}

TEST_CASE("redact_url fails closed: a URL that does not parse shows its scheme only") {
  // Raw '/', '@', '#', '%' in a password: the parser takes part of it for the port, host or path.
  CHECK(config::redact_url("amqp://user:Mq/pa+ss=w0rd@x@host/vhost") == "amqp://");
  CHECK(config::redact_url("postgres://u:12/ab@host/db") == "postgres://");
  CHECK(config::redact_url("postgres://u:ab#cd@host/db") == "postgres://");
  CHECK(config::redact_url("postgres://u:p%zz@host/db") == "postgres://");
  CHECK(config::redact_url("postgres://u:a?b@c@host/db") == "postgres://");
  CHECK(config::redact_url("no scheme at all: secret") == "(not a URL)");
  // Percent-encoded, the same password is a password and is hidden.
  CHECK(config::redact_url("amqp://user:Mq%2Fpa%2Bss%3Dw0rd%40x@host/vhost") == "amqp://user:***@host/vhost");
}

TEST_CASE("config: a malformed URL is refused naming the variable and its scheme only") {
  const char* raw = "amqp://user:Mq/pa+ss=w0rd@x@127.0.0.1/vhost";
  ::setenv("CLOUDAMQP_URL", raw, 1);
  config::Needs n;
  n.amqp = true;
  try {
    config::load(n);
    FAIL("expected ConfigError");
  } catch (const config::ConfigError& e) {
    std::string what = e.what();
    CHECK(what.rfind("CLOUDAMQP_URL is not a valid amqp:// or amqps:// URL", 0) == 0);
    CHECK(what.find("pa+ss") == std::string::npos);
    CHECK(what.find("Mq") == std::string::npos);
    CHECK(what.find("127.0.0.1") == std::string::npos);
  }
  ::unsetenv("CLOUDAMQP_URL");
}

TEST_CASE("log: registered secrets never reach a line") {
  log::add_secret("Pg/pa+ss=w0rd@x%#");
  log::add_secret("abc");  // too short to scrub
  auto line = log::format_line(log::Level::info, "failed for Pg/pa+ss=w0rd@x%#", {{"error", "x Pg/pa+ss=w0rd@x%# y"}});
  CHECK(line.find("pa+ss") == std::string::npos);
  CHECK(line.find("***") != std::string::npos);
  CHECK(log::scrub("abc") == "abc");
}

TEST_CASE("config: missing and malformed variables are named") {
  ::unsetenv("DATABASE_URL");
  try {
    config::Needs n;
    n.database = true;
    config::load(n);
    FAIL("expected ConfigError");
  } catch (const config::ConfigError& e) {
    CHECK(std::string(e.what()).rfind("DATABASE_URL is required", 0) == 0);
  }
  ::setenv("DATABASE_URL", "mysql://x", 1);
  config::Needs n;
  n.database = true;
  CHECK_THROWS_WITH(config::load(n), Catch::Contains("DATABASE_URL must be a postgres:// or postgresql:// URL"));
  ::setenv("DATABASE_URL", "postgres://u:p@localhost/db", 1);
  CHECK(config::load(n).database_url == "postgres://u:p@localhost/db");

  config::Needs h;
  h.http = true;
  ::setenv("FLASK_SECRET_KEY", "0123456789abcdef", 1);
  ::setenv("PORT", "70000", 1);
  CHECK_THROWS_WITH(config::load(h), Catch::Contains("PORT must be a whole number"));
  ::setenv("PORT", "8080", 1);
  CHECK(config::load(h).port == 8080);
  ::setenv("FLASK_SECRET_KEY", "short", 1);
  CHECK_THROWS_WITH(config::load(h), Catch::Contains("FLASK_SECRET_KEY is too short"));
  ::unsetenv("PORT");
  ::unsetenv("FLASK_SECRET_KEY");
  ::unsetenv("DATABASE_URL");
}

TEST_CASE("config: COUNT_MEMORY_BYTES and TMPDIR for the count and the worker") {
  ::unsetenv("COUNT_MEMORY_BYTES");
  ::setenv("TMPDIR", "/var/tmp", 1);
  const config::Needs n = config::needs_for_role("count");
  CHECK(config::needs_for_role("worker").count);
  CHECK(config::load(n).count_memory_bytes == 50331648);
  CHECK(config::load(n).tmp_dir == "/var/tmp");
  ::setenv("COUNT_MEMORY_BYTES", "65536", 1);
  CHECK(config::load(n).count_memory_bytes == 65536);
  ::setenv("COUNT_MEMORY_BYTES", "48MiB", 1);
  CHECK_THROWS_WITH(config::load(n), Catch::Contains("COUNT_MEMORY_BYTES must be a whole number"));
  ::unsetenv("COUNT_MEMORY_BYTES");
  ::unsetenv("TMPDIR");
  CHECK(config::load(n).tmp_dir == "/tmp");
}

TEST_CASE("logfmt escaping") {
  CHECK(log::escape_value("plain") == "plain");
  CHECK(log::escape_value("") == "\"\"");
  CHECK(log::escape_value("two words") == "\"two words\"");
  CHECK(log::escape_value("a\"b") == "\"a\\\"b\"");
  CHECK(log::escape_value("x=y") == "\"x=y\"");
  CHECK(log::escape_value("line\nbreak") == "\"line\\nbreak\"");
  CHECK(log::format_line(log::Level::info, "hello world", {{"n", 3}, {"ok", true}}) ==
        "at=info msg=\"hello world\" n=3 ok=true");
}
