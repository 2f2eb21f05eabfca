#pragma once
// One request as a handler sees it: the parsed header, and the means to read
// its body (whole, for small bodies, or chunk by chunk, for uploads) or to
// write to the stream directly (server-sent events).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "web/net.hpp"

namespace htut::web {

class Exchange {
 public:
  Exchange(tcp_stream& stream, beast::flat_buffer& buffer, http::request_parser<http::empty_body>& parser,
           std::string request_id);

  const http::request_header<>& header() const { return header_; }
  http::verb method() const { return header().method(); }
  std::string_view target() const { return target_; }
  std::string_view path() const { return path_; }    // target before '?'
  std::string_view query() const { return query_; }  // after '?', may be empty
  const std::string& request_id() const { return request_id_; }
  unsigned version() const { return header().version(); }
  bool keep_alive() const { return keep_alive_; }
  bool has_body() const { return has_body_; }
  std::optional<std::uint64_t> content_length() const { return content_length_; }

  // Reads the whole body, refusing more than limit bytes (Error::Kind::too_large).
  awaitable<Result<std::string>> read_body(std::size_t limit);

  // Reads the next piece of the body into an internal buffer; an empty view means the end.
  // The body must keep moving: less than body_progress_bytes in any
  // body_progress_window, or the whole-body deadline passed, is an error with
  // timed_out() true (the caller answers 408).
  awaitable<Result<std::string_view>> read_body_chunk();
  bool timed_out() const { return timed_out_; }
  // Bytes read from the socket but not parsed yet (a read would not wait).
  std::size_t buffered() const { return buffer_.size(); }
  // Time spent paused by the server (back-pressure) is not the client's:
  // the progress window starts again and the whole deadline moves by `paused`.
  void paused_for(std::chrono::steady_clock::duration paused);
  std::chrono::steady_clock::time_point progress_deadline() const;

  static constexpr auto body_progress_window = std::chrono::seconds(30);
  static constexpr std::size_t body_progress_bytes = 1024;

  // True when the body was read to its end (or there was none), so the connection can be reused.
  bool body_complete() const { return body_complete_; }

  tcp_stream& stream() { return stream_; }

 private:
  tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::empty_body>& parser_;
  std::optional<http::request_parser<http::buffer_body>> chunk_parser_;
  std::string chunk_;
  http::request_header<> header_;  // a copy: the parser moves on when the body is read
  bool keep_alive_;
  bool has_body_;
  std::optional<std::uint64_t> content_length_;
  std::string request_id_;
  std::string target_;
  std::string_view path_, query_;
  bool body_complete_;
  bool timed_out_ = false;
  std::chrono::steady_clock::time_point window_start_{};
  std::size_t window_bytes_ = 0;
  std::chrono::steady_clock::time_point whole_deadline_{};
};

}  // namespace htut::web
