#include "storage/curl_easy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <type_traits>

#include "storage/libcurl_api.hpp"

namespace htut::storage {
namespace {

// Bodies we keep in memory (errors, list pages, multipart answers); object data streams.
constexpr std::size_t max_kept_body = 8 * 1024 * 1024;

// curl_easy_setopt is variadic: libcurl reads the value with the type the
// option's number says (long, a data pointer, a function pointer, curl_off_t),
// so the value must be passed with exactly that type. Called through a
// pointer, curl.h's compile-time check of this is gone; this one replaces it.
template <CURLoption option, class T>
void set(CURL* curl, T value) {
  constexpr int kind = static_cast<int>(option) / 10000 * 10000;
  if constexpr (kind == CURLOPTTYPE_LONG) {
    static_assert(std::is_same_v<T, long>, "this option takes a long");
  } else if constexpr (kind == CURLOPTTYPE_OBJECTPOINT) {
    static_assert(std::is_pointer_v<T> && !std::is_function_v<std::remove_pointer_t<T>>, "this option takes a pointer");
  } else if constexpr (kind == CURLOPTTYPE_FUNCTIONPOINT) {
    static_assert(std::is_function_v<std::remove_pointer_t<T>>, "this option takes a function pointer");
  } else {
    static_assert(kind == CURLOPTTYPE_OFF_T && std::is_same_v<T, curl_off_t>, "this option takes a curl_off_t");
  }
  libcurl().easy_setopt(curl, option, value);
}

// State shared with the callbacks of one exchange.
struct Exchange {
  CURL* curl = nullptr;
  std::string_view upload;
  std::size_t upload_pos = 0;
  const BodySink* sink = nullptr;
  HttpResponse response;
  std::optional<Error> sink_error;
  // An exception thrown by a callback (the sink's count running out of
  // memory, say). It must never unwind through libcurl: that leaves the
  // handle attached to its internal multi handle, and every later transfer
  // on it fails. The callback aborts the transfer instead; perform() rethrows.
  std::exception_ptr failure;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto* ex = static_cast<Exchange*>(userdata);
  std::size_t n = std::min(size * nitems, ex->upload.size() - ex->upload_pos);
  std::memcpy(buffer, ex->upload.data() + ex->upload_pos, n);
  ex->upload_pos += n;
  return n;
}

int seek_body(void* userdata, curl_off_t offset, int origin) {
  auto* ex = static_cast<Exchange*>(userdata);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > ex->upload.size())
    return CURL_SEEKFUNC_CANTSEEK;
  ex->upload_pos = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

std::size_t write_body_unguarded(char* data, std::size_t size, std::size_t nmemb, Exchange* ex) {
  std::size_t n = size * nmemb;
  long status = 0;
  libcurl().easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
  if (ex->sink != nullptr && status >= 200 && status < 300) {
    Status st = (*ex->sink)(std::string_view(data, n));
    if (!st) {
      ex->sink_error = st.error();
      return CURL_WRITEFUNC_ERROR;
    }
    ex->response.streamed += n;
    return n;
  }
  if (ex->response.body.size() < max_kept_body)
    ex->response.body.append(data, std::min(n, max_kept_body - ex->response.body.size()));
  return n;
}

std::size_t write_body(char* data, std::size_t size, std::size_t nmemb, void* userdata) {
  auto* ex = static_cast<Exchange*>(userdata);
  try {
    return write_body_unguarded(data, size, nmemb, ex);
  } catch (...) {
    ex->failure = std::current_exception();
    return CURL_WRITEFUNC_ERROR;
  }
}

std::size_t read_header_unguarded(char* data, std::size_t size, std::size_t nitems, Exchange* ex) {
  std::string_view line(data, size * nitems);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response.headers.clear();  // a new response (e.g. after 100 Continue)
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  ex->response.headers.emplace_back(std::move(name), std::string(value));
  return line.size();
}

std::size_t read_header(char* data, std::size_t size, std::size_t nitems, void* userdata) {
  auto* ex = static_cast<Exchange*>(userdata);
  try {
    return read_header_unguarded(data, size, nitems, ex);
  } catch (...) {
    ex->failure = std::current_exception();
    return 0;  // aborts the transfer
  }
}

bool is_retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

// RAII for the header list of one exchange.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { libcurl().slist_free_all(list); }
  void add(const std::string& h) {
    curl_slist* next = libcurl().slist_append(list, h.c_str());
    if (next == nullptr) throw std::bad_alloc();
    list = next;
  }
};

}  // namespace

std::string HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return "";
}

CurlEasy::CurlEasy() {
  handle_ = libcurl().easy_init();  // libcurl() has done curl_global_init
  if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

CurlEasy::~CurlEasy() { libcurl().easy_cleanup(static_cast<CURL*>(handle_)); }

Transfer CurlEasy::perform(const HttpRequest& request, const BodySink* sink) {
  const LibCurl& api = libcurl();
  CURL* curl = static_cast<CURL*>(handle_);
  api.easy_reset(curl);  // clears options, keeps live connections
  Exchange ex;
  ex.curl = curl;
  ex.upload = request.body;
  ex.sink = sink;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  HeaderList headers;
  for (const auto& h : request.headers) headers.add(h);
  headers.add("Expect:");  // no 100-continue round trip; S3 answers errors early anyway

  set<CURLOPT_URL>(curl, request.url.c_str());
  set<CURLOPT_PATH_AS_IS>(curl, 1L);  // S3 keys may contain "/../" or "//"
  set<CURLOPT_NOSIGNAL>(curl, 1L);    // thread-safe timeouts
  set<CURLOPT_SSL_VERIFYPEER>(curl, 1L);
  set<CURLOPT_SSL_VERIFYHOST>(curl, 2L);
  set<CURLOPT_TCP_KEEPALIVE>(curl, 1L);
  set<CURLOPT_ERRORBUFFER>(curl, error_buffer);
  set<CURLOPT_CONNECTTIMEOUT_MS>(curl, static_cast<long>(request.connect_timeout.count()));
  set<CURLOPT_TIMEOUT_MS>(curl, static_cast<long>(request.total_timeout.count()));
  set<CURLOPT_LOW_SPEED_LIMIT>(curl, 1L);
  set<CURLOPT_LOW_SPEED_TIME>(curl, static_cast<long>(request.stall_timeout.count()));
  set<CURLOPT_HTTPHEADER>(curl, headers.list);
  set<CURLOPT_HEADERFUNCTION>(curl, read_header);
  set<CURLOPT_HEADERDATA>(curl, &ex);
  set<CURLOPT_WRITEFUNCTION>(curl, write_body);
  set<CURLOPT_WRITEDATA>(curl, &ex);
  set<CURLOPT_READFUNCTION>(curl, read_body);
  set<CURLOPT_READDATA>(curl, &ex);
  set<CURLOPT_SEEKFUNCTION>(curl, seek_body);
  set<CURLOPT_SEEKDATA>(curl, &ex);

  const auto body_size = static_cast<curl_off_t>(request.body.size());
  if (request.method == "HEAD") {
    set<CURLOPT_NOBODY>(curl, 1L);
  } else if (request.method == "PUT") {
    set<CURLOPT_UPLOAD>(curl, 1L);
    set<CURLOPT_INFILESIZE_LARGE>(curl, body_size);
  } else if (request.method == "POST") {
    set<CURLOPT_POST>(curl, 1L);
    set<CURLOPT_POSTFIELDSIZE_LARGE>(curl, body_size);
  } else if (request.method != "GET") {
    set<CURLOPT_CUSTOMREQUEST>(curl, request.method.c_str());
  }

  CURLcode rc = api.easy_perform(curl);
  if (ex.failure) std::rethrow_exception(ex.failure);
  Transfer t;
  t.streamed = ex.response.streamed;
  if (ex.sink_error) {
    t.sink_error = std::move(ex.sink_error);
    return t;
  }
  if (rc != CURLE_OK) {
    t.transport_error = error_buffer[0] != '\0' ? std::string(error_buffer) : api.easy_strerror(rc);
    t.retryable = is_retryable(rc);
    return t;
  }
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ex.response.status);
  t.response = std::move(ex.response);
  return t;
}

CurlPool::Lease CurlPool::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto easy = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(easy));
    }
  }
  return Lease(this, std::make_unique<CurlEasy>());
}

void CurlPool::give_back(std::unique_ptr<CurlEasy> easy) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(easy));
}

}  // namespace htut::storage
