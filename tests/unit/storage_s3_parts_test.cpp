// The pure pieces of the S3 client: addressing, XML answers, error mapping, backoff.
#include <catch2/catch.hpp>

#include "storage/retry_policy.hpp"
#include "storage/s3_endpoint.hpp"
#include "storage/s3_errors.hpp"
#include "storage/s3_xml.hpp"

using namespace htut;
using namespace htut::storage;

TEST_CASE("endpoint: path-style for IPs, localhost and custom hosts") {
  auto e = S3Endpoint::parse("http://127.0.0.1:14569/", "htut");
  REQUIRE(e.ok());
  CHECK_FALSE(e->virtual_hosted());
  auto t = e->object("files/a b+c.txt");
  CHECK(t.host == "127.0.0.1:14569");
  CHECK(t.path == "/htut/files/a%20b%2Bc.txt");
  CHECK(t.url == "http://127.0.0.1:14569/htut/files/a%20b%2Bc.txt");
  CHECK(e->bucket().path == "/htut");

  auto custom = S3Endpoint::parse("https://minio.example.com/", "my-bucket");
  REQUIRE(custom.ok());
  CHECK_FALSE(custom->virtual_hosted());
  CHECK(custom->object("k").url == "https://minio.example.com/my-bucket/k");
}

TEST_CASE("endpoint: virtual-hosted for AWS when the bucket name allows it") {
  auto e = S3Endpoint::parse("https://s3-us-west-1.amazonaws.com/", "my-bucket");
  REQUIRE(e.ok());
  CHECK(e->virtual_hosted());
  CHECK(e->object("files/ü.txt").url == "https://my-bucket.s3-us-west-1.amazonaws.com/files/%C3%BC.txt");
  CHECK(e->object("files/ü.txt").host == "my-bucket.s3-us-west-1.amazonaws.com");
  CHECK(e->bucket().path == "/");

  auto dotted = S3Endpoint::parse("https://s3.eu-central-1.amazonaws.com", "my.bucket");
  REQUIRE(dotted.ok());
  CHECK_FALSE(dotted->virtual_hosted());  // dots break the *.s3 TLS certificate
  CHECK(dotted->object("k").url == "https://s3.eu-central-1.amazonaws.com/my.bucket/k");

  CHECK_FALSE(is_dns_compatible_bucket("My_Bucket"));
  CHECK_FALSE(is_dns_compatible_bucket("ab"));
  CHECK(is_dns_compatible_bucket("abc-123"));
  CHECK_FALSE(S3Endpoint::parse("ftp://x/", "b").ok());
}

TEST_CASE("xml: S3 error, list and multipart answers") {
  auto err = xml::parse_error(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key &amp; &lt;it&gt; &#x263A;</Message>"
      "<Key>a</Key></Error>");
  REQUIRE(err);
  CHECK(err->code == "NoSuchKey");
  CHECK(err->message == "The key & <it> \xE2\x98\xBA");
  CHECK_FALSE(xml::parse_error("<ListBucketResult/>"));

  auto page = xml::parse_list_v2(
      "<ListBucketResult><Name>b</Name><Prefix/><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>"
      "<Contents><Key>a &amp; b</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag></Contents>"
      "<Contents><Key>c/d</Key><Size>0</Size><ETag>\"def\"</ETag></Contents>"
      "<NextContinuationToken>tok/+=</NextContinuationToken></ListBucketResult>");
  REQUIRE(page);
  REQUIRE(page->objects.size() == 2);
  CHECK(page->objects[0].key == "a & b");
  CHECK(page->objects[0].size == 12);
  CHECK(page->objects[0].etag == "abc");
  CHECK(page->objects[1].key == "c/d");
  CHECK(page->truncated);
  CHECK(page->next_token == "tok/+=");

  CHECK(xml::first_text("<InitiateMultipartUploadResult><UploadId>xyz</UploadId></InitiateMultipartUploadResult>",
                        "UploadId") == "xyz");
  CHECK(xml::escape("\"a\"&<b>") == "&quot;a&quot;&amp;&lt;b&gt;");
  // <Key> must not match <KeyCount>.
  CHECK(xml::elements("<KeyCount>1</KeyCount><Key>k</Key>", "Key").size() == 1);
}

TEST_CASE("errors: S3 answers map to kinds with one clear line") {
  auto sig = s3_error("GET files/a", 403,
                      "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does "
                      "not match the signature you provided.</Message><StringToSign>AWS4\nx</StringToSign></Error>");
  CHECK(sig.kind == Error::Kind::forbidden);
  CHECK(sig.message.find("SignatureDoesNotMatch") != std::string::npos);
  CHECK(sig.message.find("check S3_KEY/S3_SECRET/S3_REGION") != std::string::npos);
  CHECK(sig.message.find("AWS4") == std::string::npos);  // no StringToSign
  CHECK(sig.message.find('\n') == std::string::npos);

  CHECK(s3_error("HEAD k", 403, "").kind == Error::Kind::forbidden);
  CHECK(s3_error("GET k", 404, "<Error><Code>NoSuchKey</Code></Error>").kind == Error::Kind::not_found);
  auto bucket = s3_error("GET k", 404, "<Error><Code>NoSuchBucket</Code></Error>");
  CHECK(bucket.kind == Error::Kind::not_found);
  CHECK(bucket.message.find("S3_BUCKET") != std::string::npos);
  CHECK(s3_error("PUT k", 503, "<Error><Code>SlowDown</Code></Error>").kind == Error::Kind::unavailable);
  CHECK(s3_error("PUT k", 400, "<Error><Code>XAmzContentSHA256Mismatch</Code></Error>").kind == Error::Kind::internal);

  CHECK(is_retryable_status(500, ""));
  CHECK(is_retryable_status(503, "<Error><Code>SlowDown</Code></Error>"));
  CHECK_FALSE(is_retryable_status(403, ""));
  CHECK_FALSE(is_retryable_status(404, "<Error><Code>NoSuchKey</Code></Error>"));
  CHECK(one_line("a\r\nb") == "a  b");
}

TEST_CASE("retry policy: exponential, jittered, capped") {
  RetryPolicy p;
  p.base = std::chrono::milliseconds(100);
  p.cap = std::chrono::milliseconds(1000);
  for (int i = 0; i < 50; ++i) {
    auto d1 = p.delay(1).count();
    CHECK((d1 >= 50 && d1 <= 100));
    auto d3 = p.delay(3).count();
    CHECK((d3 >= 200 && d3 <= 400));
    auto d10 = p.delay(10).count();
    CHECK((d10 >= 500 && d10 <= 1000));
  }
}
