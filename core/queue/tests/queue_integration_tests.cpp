// Integration tests of the queue module against a real RabbitMQ
// (HTUT_TEST_AMQP_URL, set by tools/test via `tools/services env`).
// amqp-tools (amqp-get, amqp-delete-queue) serve as an independent oracle.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "queue/consumer.hpp"
#include "queue/job.hpp"
#include "queue/publisher.hpp"
#include "queue/topology.hpp"

using namespace std::chrono_literals;
using htut::queue::Consumer;
using htut::queue::Delivery;
using htut::queue::Job;
using htut::queue::Publisher;
using Clock = std::chrono::steady_clock;

namespace {

std::string amqp_url() {
  const char* url = std::getenv("HTUT_TEST_AMQP_URL");
  if (url == nullptr || *url == '\0')
    FAIL("HTUT_TEST_AMQP_URL is not set: run the integration tests via tools/test (or eval \"$(tools/services env)\")");
  return url;
}

// Runs a shell command, returning its stdout and exit status.
std::pair<std::string, int> run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int status = ::pclose(pipe);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// Drops every message in `queue` (acking them) so each test starts clean.
void purge(const std::string& queue) {
  Consumer drain(amqp_url(), 100, {}, queue);
  for (;;) {
    auto d = drain.next(300ms);
    REQUIRE(d.ok());
    if (!*d) break;
    REQUIRE(drain.ack(**d).ok());
  }
  drain.disconnect();
}

void purge_all() {
  purge(htut::queue::kJobQueue);
  purge(htut::queue::kDeadQueue);
}

Job sample_job(const std::string& slug) { return Job{slug, "2026-11-28T15:04:05.123456Z", "files/" + slug + ".txt"}; }

// The next delivery within `within`, failing the test when there is none.
Delivery expect_delivery(Consumer& consumer, std::chrono::milliseconds within = 5s) {
  auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    auto d = consumer.next(200ms);
    REQUIRE(d.ok());
    if (*d) return **d;
  }
  FAIL("no delivery within the time limit");
  return {};
}

std::string services_script() { return std::string(HTUT_SOURCE_DIR) + "/tools/services"; }

}  // namespace

TEST_CASE("a published job is confirmed, consumed and acked") {
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.ping().ok());
  auto published = publisher.publish(sample_job("moby-dick"), 5s);
  INFO((published.ok() ? "" : published.error().message));
  REQUIRE(published.ok());

  Consumer consumer(amqp_url(), 1);
  Delivery d = expect_delivery(consumer);
  auto job = htut::queue::parse_job(d.body);
  REQUIRE(job.ok());
  CHECK(*job == sample_job("moby-dick"));
  CHECK_FALSE(d.redelivered);
  REQUIRE(consumer.ack(d).ok());

  // Acked: nothing comes back, even after reconnecting.
  consumer.disconnect();
  Consumer again(amqp_url(), 1);
  auto none = again.next(500ms);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("the message is persistent JSON on countwords") {
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.publish(sample_job("props"), 5s).ok());
  // Independent check of the body with amqp-tools.
  auto [out, rc] = run("amqp-get -u '" + amqp_url() + "' -q countwords 2>&1");
  CHECK(rc == 0);
  CHECK(out == htut::queue::job_to_json(sample_job("props")));
  REQUIRE(publisher.publish(sample_job("props"), 5s).ok());
  Consumer consumer(amqp_url(), 1);
  Delivery d = expect_delivery(consumer);
  CHECK(d.content_type == "application/json");
  CHECK(d.persistent);
  REQUIRE(consumer.ack(d).ok());
}

TEST_CASE("a rejected job is dead-lettered to countwords.dead") {
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.publish(sample_job("poison"), 5s).ok());
  Consumer consumer(amqp_url(), 1);
  Delivery d = expect_delivery(consumer);
  REQUIRE(consumer.reject(d, false).ok());

  std::string out;
  int rc = 2;
  for (int i = 0; i < 20 && rc != 0; ++i) {  // dead-lettering is asynchronous
    std::tie(out, rc) = run("amqp-get -u '" + amqp_url() + "' -q countwords.dead 2>&1");
    if (rc != 0) std::this_thread::sleep_for(100ms);
  }
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains(R"("document_slug":"poison")"));
  auto none = consumer.next(300ms);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("a job rejected with requeue comes back marked redelivered") {
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.publish(sample_job("again"), 5s).ok());
  Consumer consumer(amqp_url(), 1);
  Delivery first = expect_delivery(consumer);
  REQUIRE(consumer.reject(first, true).ok());
  Delivery second = expect_delivery(consumer);
  CHECK(second.body == first.body);
  CHECK(second.redelivered);
  REQUIRE(consumer.ack(second).ok());
}

TEST_CASE("an unacked job returns to the queue when the consumer goes away") {
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.publish(sample_job("crash"), 5s).ok());
  Delivery stale;
  {
    Consumer consumer(amqp_url(), 1);
    stale = expect_delivery(consumer);
  }  // destroyed without ack
  Consumer other(amqp_url(), 1);
  Delivery d = expect_delivery(other);
  CHECK(d.redelivered);
  // A delivery from an older connection is refused, not acked by tag.
  auto wrong = other.ack(stale);
  CHECK_FALSE(wrong.ok());
  REQUIRE(other.ack(d).ok());
}

TEST_CASE("keep_alive services the connection while a job is in hand") {
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.publish(sample_job("one"), 5s).ok());
  REQUIRE(publisher.publish(sample_job("two"), 5s).ok());
  htut::queue::ConnectOptions options;
  options.heartbeat_seconds = 1;  // the broker drops us after ~2 s without traffic
  Consumer consumer(amqp_url(), 1, options);
  Delivery d = expect_delivery(consumer);
  auto until = Clock::now() + 3500ms;
  while (Clock::now() < until) REQUIRE(consumer.keep_alive(200ms).ok());
  REQUIRE(consumer.ack(d).ok());
  Delivery next = expect_delivery(consumer);  // prefetch 1: the second only now
  CHECK(next.body != d.body);
  REQUIRE(consumer.ack(next).ok());
}

TEST_CASE("a broker that is down fails fast with a clear, password-free error") {
  const std::string url = "amqp://guest:s3cr3t@127.0.0.1:1/%2F";  // nothing listens on port 1
  Publisher publisher(url);
  auto start = Clock::now();
  auto s = publisher.publish(sample_job("nowhere"), 3s);
  CHECK(Clock::now() - start < 2s);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == htut::Error::Kind::unavailable);
  CHECK_THAT(s.error().message, Catch::StartsWith("broker unavailable:") && Catch::Contains("127.0.0.1:1"));
  CHECK_THAT(s.error().message, !Catch::Contains("s3cr3t"));
  CHECK_FALSE(publisher.ping(1s).ok());

  Consumer consumer(url, 1);
  auto d = consumer.next(1s);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().kind == htut::Error::Kind::unavailable);
  CHECK_THAT(d.error().message, !Catch::Contains("s3cr3t"));
}

TEST_CASE("wrong credentials are reported without the password") {
  std::string url = amqp_url();
  auto at = url.find('@');
  REQUIRE(at != std::string::npos);
  std::string bad = "amqp://guest:wr0ngpass" + url.substr(at);
  Publisher publisher(bad);
  auto s = publisher.publish(sample_job("refused"), 5s);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Catch::StartsWith("broker unavailable: login"));
  CHECK_THAT(s.error().message, !Catch::Contains("wr0ngpass"));
}

TEST_CASE("a publish after the queue was deleted re-declares it and is delivered") {
  if (run("command -v amqp-delete-queue").second != 0) {
    WARN("SKIPPED: amqp-delete-queue (amqp-tools) is not installed");
    return;
  }
  purge_all();
  Publisher publisher(amqp_url());
  REQUIRE(publisher.publish(sample_job("before"), 5s).ok());
  REQUIRE(run("amqp-delete-queue -u '" + amqp_url() + "' -q countwords").second == 0);
  // The broker returns the message (basic.return); the publisher then
  // reconnects, re-declares the topology and publishes again.
  auto again = publisher.publish(sample_job("after"), 5s);
  INFO((again.ok() ? "" : again.error().message));
  REQUIRE(again.ok());
  Consumer consumer(amqp_url(), 1);
  Delivery d = expect_delivery(consumer);
  CHECK_THAT(d.body, Catch::Contains(R"("document_slug":"after")"));
  REQUIRE(consumer.ack(d).ok());
  auto none = consumer.next(300ms);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("publisher and consumer recover after the broker restarts") {
  if (std::getenv("HTUT_SERVICES_DIR") == nullptr || run("test -x " + services_script()).second != 0) {
    WARN("SKIPPED: needs tools/services and HTUT_SERVICES_DIR (run via tools/test) to restart the broker");
    return;
  }
  purge_all();
  Publisher publisher(amqp_url());
  Consumer consumer(amqp_url(), 1);
  REQUIRE(publisher.publish(sample_job("before-restart"), 5s).ok());
  REQUIRE(consumer.ack(expect_delivery(consumer)).ok());

  REQUIRE(run(services_script() + " stop-one rabbitmq 2>&1").second == 0);
  auto start = Clock::now();
  auto down = publisher.publish(sample_job("while-down"), 3s);
  CHECK_FALSE(down.ok());
  CHECK(Clock::now() - start < 4s);
  auto consumer_down = consumer.next(1s);
  CHECK_FALSE(consumer_down.ok());

  REQUIRE(run(services_script() + " start-one rabbitmq 2>&1").second == 0);
  // The publisher reconnects on its own (after its short backoff).
  bool published = false;
  for (auto until = Clock::now() + 30s; !published && Clock::now() < until;) {
    published = publisher.publish(sample_job("after-restart"), 3s).ok();
    if (!published) std::this_thread::sleep_for(200ms);
  }
  REQUIRE(published);
  // The consumer reconnects on the next call to next().
  Delivery d;
  bool got = false;
  for (auto until = Clock::now() + 30s; !got && Clock::now() < until;) {
    auto r = consumer.next(500ms);
    if (r.ok() && *r) {
      d = **r;
      got = true;
    } else if (!r.ok()) {
      std::this_thread::sleep_for(200ms);
    }
  }
  REQUIRE(got);
  CHECK_THAT(d.body, Catch::Contains(R"("document_slug":"after-restart")"));
  REQUIRE(consumer.ack(d).ok());
}
