#pragma once
// LISTEN document_status on a connection of its own (not from the Pool: a
// listening session must stay open). The trigger on file_upload_meta sends
// {"document_slug":…, "time_uploaded":…, "status":…} on every status change.
// Reconnects by itself: a wait() after the session died opens a new one.
// Not thread-safe: one thread owns a listener and fans the payloads out.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/connection.hpp"

namespace htut::db {

inline constexpr const char* status_channel = "document_status";

class StatusListener {
 public:
  explicit StatusListener(std::string url);
  ~StatusListener();

  // Connects and LISTENs now (otherwise the first wait() does). Useful to be
  // sure no notification is missed from here on.
  Status start();

  // Waits up to `timeout` for notifications and returns their payloads (empty
  // on timeout). When the database is unreachable it returns `unavailable`
  // after waiting out `timeout`, so a loop around it never spins.
  Result<std::vector<std::string>> wait(std::chrono::milliseconds timeout);

  // Bumped on every (re)connect. Notifications sent while disconnected are
  // lost, so when it changes, re-read the state you care about.
  std::uint64_t generation() const { return generation_; }

 private:
  const std::string url_;
  std::unique_ptr<Connection> conn_;
  std::uint64_t generation_ = 0;
};

}  // namespace htut::db
