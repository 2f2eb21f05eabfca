#pragma once
// The only owner of libcurl handles in htut: CurlEasy wraps one CURL* and performs
// one HTTP exchange at a time; CurlPool keeps idle handles so their connections stay
// alive between requests (curl_easy_reset keeps a handle's connection cache).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace htut::storage {

struct HttpRequest {
  std::string method;                // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // already encoded; sent as is (no path normalization)
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // PUT/POST body; must outlive perform()
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{0};  // 0: none (large transfers rely on the stall limit)
  std::chrono::seconds stall_timeout{30};      // abort when under 1 byte/s for this long
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;            // the body when no sink took it (capped; error bodies, XML answers)
  std::uint64_t streamed = 0;  // bytes handed to the sink
  std::string header(std::string_view lower_name) const;
};

// What happened to one exchange: a response, a transport failure, or a sink that said stop.
struct Transfer {
  std::optional<HttpResponse> response;  // set when the server answered
  std::string transport_error;           // curl's description when it did not
  bool retryable = false;                // transport failures worth another attempt
  std::uint64_t streamed = 0;            // bytes already handed to the sink
  std::optional<Error> sink_error;       // the sink's own error (never retried)
};

using BodySink = std::function<Status(std::string_view chunk)>;

class CurlEasy {
 public:
  CurlEasy();
  ~CurlEasy();
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;

  // Runs one exchange. A 2xx body goes to sink when given; any other body is kept in
  // response.body (up to a cap) so errors can be read.
  Transfer perform(const HttpRequest& request, const BodySink* sink);

 private:
  void* handle_;  // CURL*, kept opaque so no other file sees curl.h
};

class CurlPool {
 public:
  explicit CurlPool(std::size_t max_idle = 8) : max_idle_(max_idle) {}

  // A handle borrowed from the pool, returned on destruction.
  class Lease {
   public:
    Lease(CurlPool* pool, std::unique_ptr<CurlEasy> easy) : pool_(pool), easy_(std::move(easy)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (easy_) pool_->give_back(std::move(easy_));
    }
    CurlEasy& operator*() { return *easy_; }
    CurlEasy* operator->() { return easy_.get(); }

   private:
    CurlPool* pool_;
    std::unique_ptr<CurlEasy> easy_;
  };

  Lease lease();

 private:
  void give_back(std::unique_ptr<CurlEasy> easy);
  std::mutex mutex_;
  std::vector<std::unique_ptr<CurlEasy>> idle_;
  std::size_t max_idle_;
};

}  // namespace htut::storage
