#include "web/exchange.hpp"

namespace htut::web {
namespace {
// A body that stalls for this long is abandoned (slow or malicious client).
constexpr auto body_read_timeout = std::chrono::seconds(30);
// Small, so thousands of uploads in progress hold little besides what the
// memory budget counts.
constexpr std::size_t chunk_size = 16 * 1024;
// The whole body must arrive at an average of at least this, after a minute's grace.
constexpr std::uint64_t min_average_bytes_per_second = 32 * 1024;
constexpr auto whole_body_grace = std::chrono::seconds(60);
// Bodies without a Content-Length (chunked) get the deadline of the largest allowed.
constexpr std::uint64_t unknown_length_for_deadline = 128ull * 1024 * 1024;
}  // namespace

Exchange::Exchange(tcp_stream& stream, beast::flat_buffer& buffer, http::request_parser<http::empty_body>& parser,
                   std::string request_id)
    : stream_(stream),
      buffer_(buffer),
      parser_(parser),
      header_(parser.get().base()),
      keep_alive_(parser.get().keep_alive()),
      has_body_(!parser.is_done()),
      request_id_(std::move(request_id)) {
  if (auto len = parser.content_length()) content_length_ = *len;
  target_ = std::string(header_.target());
  std::string_view t = target_;
  auto q = t.find('?');
  path_ = t.substr(0, q);
  query_ = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  body_complete_ = !has_body_;
  // The body's clocks start with the request.
  window_start_ = std::chrono::steady_clock::now();
  auto length = content_length_.value_or(unknown_length_for_deadline);
  whole_deadline_ = window_start_ + whole_body_grace + std::chrono::seconds(length / min_average_bytes_per_second);
}

awaitable<Result<std::string>> Exchange::read_body(std::size_t limit) {
  if (body_complete_) co_return std::string();
  if (chunk_parser_) co_return make_error(Error::Kind::internal, "body already being streamed");
  if (content_length_ && *content_length_ > limit)
    co_return make_error(Error::Kind::too_large, "request body too large");
  http::request_parser<http::string_body> p(std::move(parser_));
  p.body_limit(limit);
  stream_.expires_after(body_read_timeout);
  auto [ec, n] = co_await http::async_read(stream_, buffer_, p, net::as_tuple(net::use_awaitable));
  if (ec == http::error::body_limit) co_return make_error(Error::Kind::too_large, "request body too large");
  if (ec) co_return make_error(Error::Kind::invalid, "could not read the request body: " + ec.message());
  body_complete_ = true;
  co_return std::move(p.get().body());
}

void Exchange::paused_for(std::chrono::steady_clock::duration paused) {
  window_start_ = std::chrono::steady_clock::now();
  window_bytes_ = 0;
  whole_deadline_ += paused;
}

std::chrono::steady_clock::time_point Exchange::progress_deadline() const {
  return std::min(window_start_ + body_progress_window, whole_deadline_);
}

awaitable<Result<std::string_view>> Exchange::read_body_chunk() {
  if (body_complete_) co_return std::string_view();
  if (!chunk_parser_) {
    chunk_parser_.emplace(std::move(parser_));
    chunk_parser_->body_limit(boost::none);  // the handler enforces its own limit
    chunk_.resize(chunk_size);
  }
  auto& p = *chunk_parser_;
  while (!p.is_done()) {
    p.get().body().data = chunk_.data();
    p.get().body().size = chunk_.size();
    stream_.expires_at(progress_deadline());
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, p, net::as_tuple(net::use_awaitable));
    if (ec == beast::error::timeout) {
      timed_out_ = true;
      co_return make_error(Error::Kind::invalid, std::chrono::steady_clock::now() >= whole_deadline_
                                                     ? "the upload took too long; nothing was saved"
                                                     : "the upload stopped moving (less than 1 KiB in 30 s); "
                                                       "nothing was saved");
    }
    if (ec && ec != http::error::need_buffer)
      co_return make_error(Error::Kind::invalid, "could not read the request body: " + ec.message());
    std::size_t got = chunk_.size() - p.get().body().size;
    window_bytes_ += got;
    if (window_bytes_ >= body_progress_bytes) {
      window_start_ = std::chrono::steady_clock::now();
      window_bytes_ = 0;
    }
    if (got > 0) {
      body_complete_ = p.is_done();  // the next call says "end" without waiting for the socket
      co_return std::string_view(chunk_.data(), got);
    }
  }
  body_complete_ = true;
  co_return std::string_view();
}

}  // namespace htut::web
