#pragma once
// Namespace aliases and the stream type used by the web role.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace htut::web {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Coroutine-friendly stream: every async op defaults to use_awaitable.
using executor_type = net::strand<net::io_context::executor_type>;
using tcp_stream = beast::basic_stream<tcp, executor_type, beast::unlimited_rate_policy>;

template <class T = void>
using awaitable = net::awaitable<T>;

}  // namespace htut::web
