#include "web/server.hpp"

#include <boost/uuid/uuid_generators.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <sys/resource.h>

#include <array>

#include <thread>
#include <vector>

#include "log/log.hpp"

namespace htut::web {
namespace {

std::string new_request_id() {
  thread_local boost::uuids::random_generator generate;
  return boost::uuids::to_string(generate());
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 200) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

void log_access(std::string_view method, std::string_view path, unsigned status, std::size_t bytes,
                std::chrono::steady_clock::duration elapsed, std::string_view request_id) {
  double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", ms);
  log::info("request", {{"method", method},
                        {"path", path},
                        {"status", status},
                        {"bytes", bytes},
                        {"duration_ms", std::string_view(duration)},
                        {"request_id", request_id}});
}

// The request target as far as it arrived ("" when the request line is not
// there yet), read from the raw bytes: a refused request may never have been parsed.
std::string_view raw_target(std::string_view raw) {
  raw = raw.substr(0, raw.find('\n'));
  auto space = raw.find(' ');
  if (space == std::string_view::npos) return {};
  raw = raw.substr(space + 1);
  return raw.substr(0, raw.find(' '));
}

// A reply for requests that never reached a handler (malformed, too large,
// too slow); JSON for /api/ routes like every other of their errors.
Reply early_error(http::status status, std::string_view message, std::string_view target) {
  if (target.substr(0, 5) == "/api/") return json_error(11, false, status, message, new_request_id());
  return text_reply(11, false, status, "text/plain; charset=utf-8", std::string(message) + "\n", new_request_id());
}

// What a HEAD request gets: the GET answer's header (Content-Length included), no body.
std::string header_only(http::message_generator& message) {
  std::string out;
  beast::error_code ec;
  while (!message.is_done()) {
    auto buffers = message.prepare(ec);
    if (ec) break;
    std::size_t n = 0;
    for (auto b : buffers) {
      out.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    if (auto end = out.find("\r\n\r\n"); end != std::string::npos) {
      out.resize(end + 4);
      return out;
    }
    message.consume(n);
  }
  return out;
}

bool is_benign(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::connection_reset || ec == net::error::eof || ec == net::error::broken_pipe;
}

// A refused request whose body was not read (e.g. 413): closing at once
// would reset the connection and the client might never see the answer. So
// half-close, then read and discard for a moment.
awaitable<void> linger(tcp_stream& stream, beast::flat_buffer& buffer) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  buffer.consume(buffer.size());
  // A buffer of its own: the connection's is bounded by the header limit.
  std::array<char, 16 * 1024> sink;
  std::size_t discarded = 0;
  while (discarded < 8 * 1024 * 1024) {
    auto [rec, n] = co_await stream.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
    if (rec) break;
    discarded += n;
  }
}

}  // namespace

Server::Server(ServerOptions options, Handler& handler)
    : options_(std::move(options)),
      handler_(handler),
      contexts_([&] {
        std::vector<std::unique_ptr<net::io_context>> v;
        for (int i = 0; i < std::max(1, options_.threads); ++i) v.push_back(std::make_unique<net::io_context>(1));
        return v;
      }()),
      acceptor_(*contexts_.front()) {
  for (auto& c : contexts_) keep_running_.push_back(net::make_work_guard(*c));
}

std::uint64_t Server::add_callback(Callbacks& to, std::function<void()> f) {
  std::lock_guard lock(cancel_mutex_);
  auto id = next_cancel_id_++;
  to.emplace(id, std::move(f));
  return id;
}

void Server::remove_callback(Callbacks& from, std::uint64_t id) {
  std::lock_guard lock(cancel_mutex_);
  from.erase(id);
}

std::uint64_t Server::on_shutdown(std::function<void()> cancel) { return add_callback(cancels_, std::move(cancel)); }
void Server::forget(std::uint64_t id) { remove_callback(cancels_, id); }
std::uint64_t Server::on_grace_over(std::function<void()> cut) { return add_callback(cuts_, std::move(cut)); }
void Server::forget_cut(std::uint64_t id) { remove_callback(cuts_, id); }

void Server::run() {
  // Idle connections cost little memory but a descriptor each: use what the
  // hard limit allows, keep room for database, broker and storage sockets.
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    if (limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    auto usable = static_cast<long long>(limit.rlim_cur) - 256;
    if (usable < options_.max_connections) options_.max_connections = static_cast<int>(std::max(64LL, usable));
  }
  tcp::endpoint endpoint(net::ip::make_address(options_.address), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  bound_port_ = acceptor_.local_endpoint().port();

  net::signal_set signals(*contexts_.front(), SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::info("shutting down", {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"}});
    begin_shutdown();
  });

  net::co_spawn(acceptor_.get_executor(), accept_loop(), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("accept loop failed", {{"error", ex.what()}});
      }
    }
  });
  log::info("listening", {{"address", options_.address}, {"port", bound_port_}, {"threads", options_.threads},
                         {"max_connections", options_.max_connections}});

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) threads.emplace_back([this, i] { contexts_[i]->run(); });
  contexts_.front()->run();
  for (auto& t : threads) t.join();
  log::info("stopped");
}

void Server::begin_shutdown() {
  if (stopping_.exchange(true)) return;
  // Whatever happens below (a storage call that hangs, a stuck thread), the
  // process is gone before the platform's SIGKILL at 30 s, with status 0.
  std::thread([grace = options_.shutdown_grace] {
    std::this_thread::sleep_for(grace + std::chrono::seconds(4));
    log::warn("shutdown took too long; exiting now");
    std::_Exit(0);
  }).detach();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::unordered_map<std::uint64_t, std::function<void()>> cancels;
  {
    std::lock_guard lock(cancel_mutex_);
    cancels.swap(cancels_);
  }
  for (auto& [id, cancel] : cancels) cancel();
  net::co_spawn(*contexts_.front(), drain_and_stop(), net::detached);
}

awaitable<void> Server::drain_and_stop() {
  auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
  net::steady_timer timer(co_await net::this_coro::executor);
  while (sessions_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    // Sessions that went idle after the first cancel round register again.
    std::unordered_map<std::uint64_t, std::function<void()>> cancels;
    {
      std::lock_guard lock(cancel_mutex_);
      cancels.swap(cancels_);
    }
    for (auto& [id, cancel] : cancels) cancel();
  }
  if (sessions_.load() > 0) {
    // Cut what is still running: the uploads among them fail their reads,
    // abort their storage writes and leave nothing behind.
    log::warn("shutdown grace period over; cutting what is still running", {{"open_connections", sessions_.load()}});
    std::unordered_map<std::uint64_t, std::function<void()>> cuts;
    {
      std::lock_guard lock(cancel_mutex_);
      cuts.swap(cuts_);
    }
    for (auto& [id, cut] : cuts) cut();
    auto cut_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (sessions_.load() > 0 && std::chrono::steady_clock::now() < cut_deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
  }
  keep_running_.clear();
  for (auto& c : contexts_) c->stop();
}

awaitable<void> Server::accept_loop() {
  for (;;) {
    auto executor = contexts_[next_context_++ % contexts_.size()]->get_executor();
    auto [ec, socket] = co_await acceptor_.async_accept(executor, net::as_tuple(net::use_awaitable));
    if (ec) {
      if (stopping_ || ec == net::error::operation_aborted) co_return;
      // Out of file descriptors and the like: back off briefly, keep serving.
      log::warn("accept failed", {{"error", ec.message()}});
      net::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (sessions_.load() >= options_.max_connections) {
      // Full: a short answer, never an unbounded queue. Past a few hundred
      // refusals in flight the connection is simply closed.
      if (refusing_.load() < 256) {
        ++refusing_;
        net::co_spawn(executor, refuse_busy(tcp_stream(std::move(socket))), [this](std::exception_ptr) { --refusing_; });
      }
      continue;
    }
    ++sessions_;
    net::co_spawn(executor, session(tcp_stream(std::move(socket))), [this](std::exception_ptr e) {
      --sessions_;
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("connection failed", {{"error", ex.what()}});
        }
      }
    });
  }
}

awaitable<void> Server::refuse_busy(tcp_stream stream) {
  log::warn("connection refused: too many open", {{"limit", options_.max_connections}});
  http::response<http::string_body> res{http::status::service_unavailable, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::retry_after, "5");
  res.body() = "The server is busy; please try again in a moment.\n";
  res.keep_alive(false);
  Reply reply = make_reply(std::move(res), new_request_id());
  stream.expires_after(std::chrono::seconds(5));
  co_await beast::async_write(stream, std::move(reply.message), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

awaitable<void> Server::session(tcp_stream accepted) {
  // Shared so that a shutdown request can still reach it safely from another thread.
  auto shared_stream = std::make_shared<tcp_stream>(std::move(accepted));
  tcp_stream& stream = *shared_stream;
  auto close_socket = [weak = std::weak_ptr<tcp_stream>(shared_stream)] {
    if (auto s = weak.lock()) {
      net::post(s->get_executor(), [s] {
        boost::system::error_code ignored;
        s->socket().shutdown(tcp::socket::shutdown_both, ignored);
        s->socket().cancel(ignored);
      });
    }
  };
  auto cut_id = on_grace_over(close_socket);
  struct Unregister {
    Server& server;
    std::uint64_t id;
    ~Unregister() { server.forget_cut(id); }
  } unregister{*this, cut_id};
  beast::flat_buffer buffer(options_.header_limit + 1024);
  for (;;) {
    if (stopping_) break;
    // Idle keep-alive: wait for the first byte of the next request; shutdown
    // cancels this wait.
    if (buffer.size() == 0) {
      auto cancel_id = on_shutdown(close_socket);
      stream.expires_after(options_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), net::as_tuple(net::use_awaitable));
      forget(cancel_id);
      if (ec) break;
      buffer.commit(n);
    }
    auto started = std::chrono::steady_clock::now();
    // The start of the request line, kept for refusals before the header is parsed.
    std::string request_start(static_cast<const char*>(buffer.data().data()), std::min<std::size_t>(buffer.size(), 512));
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
    parser.body_limit(boost::none);
    stream.expires_after(options_.header_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    if (ec) {
      if (is_benign(ec) && ec != beast::error::timeout) break;
      std::optional<Reply> reply;
      std::string more(static_cast<const char*>(buffer.data().data()), std::min<std::size_t>(buffer.size(), 512));
      auto target = raw_target(more.size() > request_start.size() ? more : request_start);
      if (ec == http::error::header_limit)
        reply = early_error(http::status::request_header_fields_too_large, "request header too large", target);
      else if (ec == beast::error::timeout)
        reply = early_error(http::status::request_timeout, "request header not received in time", target);
      else
        reply = early_error(http::status::bad_request, "malformed request: " + ec.message(), target);
      log_access("-", "-", reply->status, reply->body_bytes, std::chrono::steady_clock::now() - started, "-");
      stream.expires_after(std::chrono::seconds(5));
      co_await beast::async_write(stream, std::move(reply->message), net::as_tuple(net::use_awaitable));
      break;
    }

    // Bodies framed by anything but chunked encoding would be read as the next
    // request (smuggling); HTTP/1.1 requires Host. Refuse both and close.
    std::string_view refusal;
    if (parser.get().count(http::field::transfer_encoding) > 0 && !parser.chunked())
      refusal = "malformed request: unsupported Transfer-Encoding";
    else if (parser.get().version() >= 11 && parser.get().count(http::field::host) != 1)
      refusal = "malformed request: HTTP/1.1 needs exactly one Host header";
    if (!refusal.empty()) {
      Reply reply = early_error(http::status::bad_request, refusal, parser.get().target());
      log_access("-", "-", reply.status, reply.body_bytes, std::chrono::steady_clock::now() - started, "-");
      stream.expires_after(std::chrono::seconds(5));
      co_await beast::async_write(stream, std::move(reply.message), net::as_tuple(net::use_awaitable));
      break;
    }

    auto client_id = parser.get()["X-Request-ID"];
    std::string request_id = valid_request_id(client_id) ? std::string(client_id) : new_request_id();
    Exchange exchange(stream, buffer, parser, request_id);
    Reply reply = co_await handler_.handle(exchange);
    if (!reply.already_sent) {
      bool keep = reply.keep_alive && exchange.body_complete() && !stopping_;
      stream.expires_after(std::chrono::seconds(60));
      boost::system::error_code wec;
      if (exchange.method() == http::verb::head) {
        // Centrally for every route: the handler answered as for GET; only the header goes out.
        std::string head = header_only(reply.message);
        reply.body_bytes = 0;
        std::tie(wec, std::ignore) =
            co_await net::async_write(stream, net::buffer(head), net::as_tuple(net::use_awaitable));
      } else {
        std::tie(wec, std::ignore) =
            co_await beast::async_write(stream, std::move(reply.message), net::as_tuple(net::use_awaitable));
      }
      log_access(http::to_string(exchange.method()), exchange.path(), reply.status, reply.body_bytes,
                 std::chrono::steady_clock::now() - started, request_id);
      if (!wec && !exchange.body_complete()) co_await linger(stream, buffer);
      if (wec || !keep) break;
    } else {
      log_access(http::to_string(exchange.method()), exchange.path(), reply.status, reply.body_bytes,
                 std::chrono::steady_clock::now() - started, request_id);
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

}  // namespace htut::web
