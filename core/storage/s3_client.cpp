#include "storage/s3_client.hpp"

#include <algorithm>
#include <thread>

#include "log/log.hpp"
#include "storage/crypto.hpp"
#include "storage/s3_errors.hpp"

namespace htut::storage {

S3Client::S3Client(S3Endpoint endpoint, sigv4::Credentials credentials, std::string region, RetryPolicy policy)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      region_(std::move(region)),
      policy_(policy) {}

HttpRequest S3Client::signed_request(const S3Call& call, const std::string& payload_hash) const {
  const std::string date = sigv4::amz_date(std::chrono::system_clock::now());
  sigv4::Request r;
  r.method = call.method;
  r.path = call.target.path;
  r.query = call.query;
  r.payload_hash = payload_hash;
  r.headers = call.headers;
  r.headers.push_back({"host", call.target.host});
  r.headers.push_back({"x-amz-date", date});
  r.headers.push_back({"x-amz-content-sha256", payload_hash});
  if (!credentials_.session_token.empty()) r.headers.push_back({"x-amz-security-token", credentials_.session_token});
  const sigv4::Scope scope{date.substr(0, 8), region_, "s3"};
  const sigv4::Signed s = sigv4::sign_headers(r, credentials_, date, scope);

  HttpRequest http;
  http.method = call.method;
  const std::string query = sigv4::canonical_query(call.query);  // the wire query is the canonical one
  http.url = call.target.url + (query.empty() ? "" : "?" + query);
  for (const auto& h : r.headers) http.headers.push_back(h.name + ": " + h.value);
  http.headers.push_back("Authorization: " + s.authorization);
  http.body = call.body;
  http.total_timeout = call.total_timeout;
  return http;
}

Result<HttpResponse> S3Client::call(const S3Call& call) {
  const std::string payload_hash = call.payload_hash.empty() ? crypto::sha256_hex(call.body) : call.payload_hash;
  std::string last_problem;
  for (int attempt = 1;; ++attempt) {
    Transfer t;
    {
      auto easy = pool_.lease();
      t = easy->perform(signed_request(call, payload_hash), call.sink);
    }
    if (t.sink_error) return *t.sink_error;
    bool retryable = false;
    if (t.response) {
      const HttpResponse& resp = *t.response;
      bool accepted = std::find(call.accepted.begin(), call.accepted.end(), resp.status) != call.accepted.end();
      if ((resp.status >= 200 && resp.status < 300) || accepted) return std::move(*t.response);
      Error e = s3_error(call.what, resp.status, resp.body);
      retryable = is_retryable_status(resp.status, resp.body) && resp.streamed == 0;
      if (!retryable || attempt >= policy_.max_attempts) {
        if (retryable) e.message += " (after " + std::to_string(attempt) + " attempts)";
        return e;
      }
      last_problem = e.message;
    } else {
      last_problem = one_line(t.transport_error);
      // Once bytes reached the caller's sink they cannot be taken back, so no retry then.
      retryable = t.retryable && t.streamed == 0;
      if (!retryable || attempt >= policy_.max_attempts)
        return make_error(Error::Kind::unavailable, "S3 " + one_line(call.what, 200) + " failed: " + last_problem +
                                                        " (after " + std::to_string(attempt) +
                                                        " attempts) - is S3_LOCATION reachable?");
    }
    auto pause = policy_.delay(attempt);
    log::warn("S3 request failed, retrying", {{"op", call.what},
                                              {"attempt", attempt},
                                              {"delay_ms", static_cast<long long>(pause.count())},
                                              {"error", last_problem}});
    std::this_thread::sleep_for(pause);
  }
}

Result<std::string> S3Client::presign_get(const std::string& key, std::chrono::seconds expires) const {
  if (expires.count() < 1 || expires > sigv4::max_presign_expiry)
    return make_error(Error::Kind::invalid,
                      "presigned URL lifetime must be 1 to 604800 seconds, got " + std::to_string(expires.count()));
  const S3Target target = endpoint_.object(key);
  const std::string date = sigv4::amz_date(std::chrono::system_clock::now());
  sigv4::Request r;
  r.method = "GET";
  r.path = target.path;
  r.headers.push_back({"host", target.host});
  r.payload_hash = std::string(sigv4::unsigned_payload);
  const sigv4::Scope scope{date.substr(0, 8), region_, "s3"};
  return target.url + "?" + sigv4::presign(r, credentials_, date, scope, expires).query;
}

}  // namespace htut::storage
