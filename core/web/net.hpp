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

// Each connection lives on one single-threaded io_context, so its handlers
// never run concurrently and need no strand.
using executor_type = net::io_context::executor_type;
using tcp_stream = beast::basic_stream<tcp, executor_type, beast::unlimited_rate_policy>;

template <class T = void>
using awaitable = net::awaitable<T>;

}  // namespace htut::web
