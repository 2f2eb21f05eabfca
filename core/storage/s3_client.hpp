#pragma once
// One signed S3 request with retries: signs each attempt afresh (new x-amz-date),
// sends it on a pooled curl handle, retries transient failures with backoff and
// maps S3's error answers to Errors. Thread-safe.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "storage/curl_easy.hpp"
#include "storage/retry_policy.hpp"
#include "storage/s3_endpoint.hpp"
#include "storage/sigv4.hpp"

namespace htut::storage {

struct S3Call {
  std::string method;
  S3Target target;
  sigv4::QueryParams query;            // decoded; encoded once on the wire
  std::vector<sigv4::Header> headers;  // more headers to send and sign (e.g. Content-Type)
  std::string_view body;               // replayable, so every attempt can resend it
  std::string payload_hash;            // hex SHA-256 of body; empty = computed here
  const BodySink* sink = nullptr;      // takes a 2xx body; retried only before its first byte
  std::vector<long> accepted;          // non-2xx statuses returned as success (e.g. 405 of Abort)
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};  // 0 = none (streams)
  std::string what;                                                   // "PUT files/a.txt", for messages and logs
};

class S3Client {
 public:
  S3Client(S3Endpoint endpoint, sigv4::Credentials credentials, std::string region, RetryPolicy policy);

  Result<HttpResponse> call(const S3Call& call);

  // A presigned GET URL for the object, valid for `expires` (1 s to 7 days).
  Result<std::string> presign_get(const std::string& key, std::chrono::seconds expires) const;

  const S3Endpoint& endpoint() const { return endpoint_; }

 private:
  HttpRequest signed_request(const S3Call& call, const std::string& payload_hash) const;

  S3Endpoint endpoint_;
  sigv4::Credentials credentials_;
  std::string region_;
  RetryPolicy policy_;
  CurlPool pool_;
};

}  // namespace htut::storage
