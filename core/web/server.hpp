#pragma once
// The HTTP server: accepts connections, reads requests with limits and
// timeouts, hands each to the Handler, writes the reply, logs one access line.
// Threading: WEB_CONCURRENCY threads, each running its own io_context;
// accepted connections are dealt out round-robin, so a session never runs on
// two threads at once and the threads never contend for one scheduler.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <memory>
#include <unordered_map>
#include <vector>

#include "web/exchange.hpp"
#include "web/net.hpp"
#include "web/reply.hpp"

namespace htut::web {

class Handler {
 public:
  virtual ~Handler() = default;
  virtual awaitable<Reply> handle(Exchange& exchange) = 0;
};

struct ServerOptions {
  std::string address = "0.0.0.0";
  unsigned short port = 5000;
  int threads = 1;
  std::chrono::seconds shutdown_grace{25};
  std::chrono::seconds idle_timeout{95};   // > Heroku router's 90 s keep-alive
  std::chrono::seconds header_timeout{15};  // from the first byte to the end of the header
  std::size_t header_limit = 16 * 1024;
  // Open connections per process; beyond, a 503 with Retry-After and close.
  // Lowered at start to what the file descriptor limit allows.
  int max_connections = 10000;
};

class Server {
 public:
  Server(ServerOptions options, Handler& handler);

  net::io_context& io_context() { return *contexts_.front(); }
  bool stopping() const { return stopping_.load(); }

  // Binds, serves until SIGTERM/SIGINT, drains in-flight requests (at most
  // shutdown_grace), and returns. Throws when the port cannot be bound.
  void run();
  // The bound port (useful with port 0).
  unsigned short port() const { return bound_port_; }

  // Long waits (idle keep-alive, event streams) register a cancel function
  // that shutdown calls; the returned id unregisters.
  std::uint64_t on_shutdown(std::function<void()> cancel);
  void forget(std::uint64_t id);
  // Sessions register how to cut them (close the socket) when the grace is over.
  std::uint64_t on_grace_over(std::function<void()> cut);
  void forget_cut(std::uint64_t id);

 private:
  awaitable<void> accept_loop();
  awaitable<void> session(tcp_stream stream);
  awaitable<void> refuse_busy(tcp_stream stream);
  awaitable<void> drain_and_stop();
  void begin_shutdown();

  ServerOptions options_;
  Handler& handler_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running_;
  std::size_t next_context_ = 0;
  tcp::acceptor acceptor_;
  unsigned short bound_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> sessions_{0};
  std::atomic<int> refusing_{0};
  std::mutex cancel_mutex_;
  std::uint64_t next_cancel_id_ = 1;
  using Callbacks = std::unordered_map<std::uint64_t, std::function<void()>>;
  std::uint64_t add_callback(Callbacks& to, std::function<void()> f);
  void remove_callback(Callbacks& from, std::uint64_t id);
  Callbacks cancels_;
  Callbacks cuts_;
};

}  // namespace htut::web
