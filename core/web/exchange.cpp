#include "web/exchange.hpp"

namespace htut::web {
namespace {
// A body that stalls for this long is abandoned (slow or malicious client).
constexpr auto body_read_timeout = std::chrono::seconds(30);
constexpr std::size_t chunk_size = 64 * 1024;
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
    stream_.expires_after(body_read_timeout);
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, p, net::as_tuple(net::use_awaitable));
    if (ec && ec != http::error::need_buffer)
      co_return make_error(Error::Kind::invalid, "could not read the request body: " + ec.message());
    std::size_t got = chunk_.size() - p.get().body().size;
    if (got > 0) co_return std::string_view(chunk_.data(), got);
  }
  body_complete_ = true;
  co_return std::string_view();
}

}  // namespace htut::web
