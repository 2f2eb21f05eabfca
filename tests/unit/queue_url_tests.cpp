#include <catch2/catch.hpp>

#include "queue/amqp_url.hpp"
#include "queue/backoff.hpp"

using htut::queue::parse_amqp_url;

TEST_CASE("amqp URL with everything") {
  auto u = parse_amqp_url("amqp://user:p%40ss@rabbit.example.com:5673/my%2Fvhost");
  REQUIRE(u.ok());
  CHECK_FALSE(u->tls);
  CHECK(u->host == "rabbit.example.com");
  CHECK(u->port == 5673);
  CHECK(u->user == "user");
  CHECK(u->password == "p@ss");
  CHECK(u->vhost == "my/vhost");
  CHECK(u->describe() == "rabbit.example.com:5673 vhost my/vhost");
}

TEST_CASE("defaults: port by scheme, guest user, vhost /") {
  auto plain = parse_amqp_url("amqp://localhost");
  REQUIRE(plain.ok());
  CHECK(plain->port == 5672);
  CHECK(plain->user == "guest");
  CHECK(plain->password == "guest");
  CHECK(plain->vhost == "/");
  auto tls = parse_amqp_url("amqps://u:p@host.cloudamqp.com/abcdef");
  REQUIRE(tls.ok());
  CHECK(tls->tls);
  CHECK(tls->port == 5671);
  CHECK(tls->vhost == "abcdef");
}

TEST_CASE("a trailing slash is the default vhost, not the empty one") {
  auto u = parse_amqp_url("amqp://guest:guest@127.0.0.1:35672/");
  REQUIRE(u.ok());
  CHECK(u->vhost == "/");
  auto encoded = parse_amqp_url("amqp://guest:guest@127.0.0.1:35672/%2F");
  REQUIRE(encoded.ok());
  CHECK(encoded->vhost == "/");
}

TEST_CASE("a query string is ignored") {
  auto u = parse_amqp_url("amqps://u:p@host/vh?heartbeat=30&connection_timeout=10000");
  REQUIRE(u.ok());
  CHECK(u->vhost == "vh");
  CHECK(u->host == "host");
}

TEST_CASE("IPv6 hosts lose their brackets") {
  auto u = parse_amqp_url("amqp://[::1]:5672");
  REQUIRE(u.ok());
  CHECK(u->host == "::1");
  CHECK(u->describe() == "[::1]:5672 vhost /");
}

TEST_CASE("bad AMQP URLs are rejected without showing the password") {
  for (const char* bad : {"http://u:secret@host/", "amqp://u:secret@host:0/", "amqp://u:secret@host:99999/",
                          "amqp://u:secret@host/a/b", "amqp:///vhost", "not a url"}) {
    INFO(bad);
    auto u = parse_amqp_url(bad);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().kind == htut::Error::Kind::invalid);
    CHECK_THAT(u.error().message, !Catch::Contains("secret"));
    CHECK_THAT(u.error().message, Catch::Contains("invalid AMQP URL"));
  }
}

TEST_CASE("backoff doubles up to its cap and resets") {
  using std::chrono::milliseconds;
  htut::queue::Backoff b(milliseconds(100), milliseconds(500));
  CHECK(b.next() == milliseconds(100));
  CHECK(b.next() == milliseconds(200));
  CHECK(b.next() == milliseconds(400));
  CHECK(b.next() == milliseconds(500));
  CHECK(b.next() == milliseconds(500));
  b.reset();
  CHECK(b.next() == milliseconds(100));
}
