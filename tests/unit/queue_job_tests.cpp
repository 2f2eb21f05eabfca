#include <catch2/catch.hpp>

#include "queue/job.hpp"

using htut::queue::is_rfc3339;
using htut::queue::Job;
using htut::queue::job_to_json;
using htut::queue::parse_job;

TEST_CASE("a job survives JSON and back") {
  Job job{"moby-dick", "2026-11-28T15:04:05.123456Z", "files/0f1e.txt"};
  std::string json = job_to_json(job);
  CHECK(json ==
        R"({"document_slug":"moby-dick","time_uploaded":"2026-11-28T15:04:05.123456Z","s3_key":"files/0f1e.txt"})");
  auto parsed = parse_job(json);
  REQUIRE(parsed.ok());
  CHECK(*parsed == job);
}

TEST_CASE("JSON escapes in fields are decoded") {
  auto parsed = parse_job(
      R"({"s3_key":"files/a\"b.txt","document_slug":"caf\u00e9","time_uploaded":"2026-01-01T00:00:00+01:00","extra":1})");
  REQUIRE(parsed.ok());
  CHECK(parsed->s3_key == "files/a\"b.txt");
  CHECK(parsed->document_slug == "caf\xc3\xa9");
}

TEST_CASE("bad job messages are rejected with a clear reason") {
  auto message_of = [](std::string_view body) {
    auto r = parse_job(body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == htut::Error::Kind::invalid);
    return r.error().message;
  };
  CHECK_THAT(message_of("not json"), Catch::Contains("not JSON"));
  CHECK_THAT(message_of(""), Catch::Contains("not JSON"));
  CHECK_THAT(message_of("[1,2]"), Catch::Contains("expected a JSON object"));
  CHECK_THAT(message_of(R"({"time_uploaded":"2026-11-28T15:04:05Z","s3_key":"k"})"),
             Catch::Contains("missing field document_slug"));
  CHECK_THAT(message_of(R"({"document_slug":"a","time_uploaded":"2026-11-28T15:04:05Z","s3_key":7})"),
             Catch::Contains("field s3_key must be a string"));
  CHECK_THAT(message_of(R"({"document_slug":"","time_uploaded":"2026-11-28T15:04:05Z","s3_key":"k"})"),
             Catch::Contains("field document_slug is empty"));
  CHECK_THAT(message_of(R"({"document_slug":"a","time_uploaded":"yesterday","s3_key":"k"})"),
             Catch::Contains("not an RFC 3339"));
}

TEST_CASE("RFC 3339 timestamps") {
  CHECK(is_rfc3339("2026-11-28T15:04:05Z"));
  CHECK(is_rfc3339("2026-11-28T15:04:05.1Z"));
  CHECK(is_rfc3339("2026-11-28t15:04:05.123456z"));
  CHECK(is_rfc3339("2026-11-28 15:04:05.123456+00:00"));
  CHECK(is_rfc3339("2024-02-29T23:59:60-07:30"));
  CHECK_FALSE(is_rfc3339("2023-02-29T00:00:00Z"));  // not a leap year
  CHECK_FALSE(is_rfc3339("2026-13-01T00:00:00Z"));
  CHECK_FALSE(is_rfc3339("2026-11-28T24:00:00Z"));
  CHECK_FALSE(is_rfc3339("2026-11-28T15:04:05"));  // no offset
  CHECK_FALSE(is_rfc3339("2026-11-28T15:04:05.Z"));
  CHECK_FALSE(is_rfc3339("2026-11-28T15:04:05+0100"));
  CHECK_FALSE(is_rfc3339("2026-11-28T15:04:05Zjunk"));
  CHECK_FALSE(is_rfc3339("2026-11-28"));
  CHECK_FALSE(is_rfc3339(""));
}

TEST_CASE("the heroku-tut app's jobs parse: Python isoformat() times, with or without microseconds") {
  // What the seed's web process publishes (json.dumps of isoformat()), waiting in its queue at upgrade.
  auto parsed = parse_job(
      R"({"document_slug": "c++-tips", "time_uploaded": "2013-06-01T12:00:00.123456+00:00", "s3_key": "files/0123456789abcdef0123456789abcdef.txt"})");
  REQUIRE(parsed.ok());
  CHECK(parsed->document_slug == "c++-tips");
  CHECK(parsed->time_uploaded == "2013-06-01T12:00:00.123456+00:00");
  CHECK(is_rfc3339("2013-06-01T12:00:00+00:00"));         // isoformat() omits a zero microsecond
  CHECK(is_rfc3339("2013-06-01T05:00:00.000001-07:00"));  // a session in another time zone
}
