#include "db/status_listener.hpp"

#include <thread>

#include "log/log.hpp"

namespace htut::db {

StatusListener::StatusListener(std::string url) : url_(std::move(url)) {}

StatusListener::~StatusListener() = default;

Status StatusListener::start() {
  if (conn_ && conn_->alive()) return ok_status();
  conn_.reset();
  ConnectOptions options;
  options.statement_timeout = std::chrono::milliseconds(0);
  options.application_name = "htut-listener";
  auto conn = Connection::open(url_, options);
  if (!conn) return conn.error();
  // The channel name is a constant identifier, not data (LISTEN takes no parameters).
  if (auto listening = (*conn)->exec(std::string("LISTEN ") + status_channel); !listening) return listening.error();
  conn_ = std::move(*conn);
  if (++generation_ > 1) log::info("database listener reconnected", {{"channel", status_channel}});
  return ok_status();
}

Result<std::vector<std::string>> StatusListener::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (auto started = start(); !started) {
    std::this_thread::sleep_until(deadline);
    return started.error();
  }
  auto got = conn_->wait_notifications(timeout);
  if (!got) {
    conn_.reset();
    return got.error();
  }
  std::vector<std::string> payloads;
  for (auto& n : *got) {
    if (n.channel == status_channel) payloads.push_back(std::move(n.payload));
  }
  return payloads;
}

}  // namespace htut::db
