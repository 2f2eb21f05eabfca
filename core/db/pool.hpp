#pragma once
// A fixed-size, thread-safe pool of Connections for the web role and the
// worker. Connections are made lazily (a role can start while the database is
// down) and a connection that failed at the connection level, or that the
// server closed while idle, is thrown away; the next acquire() makes a new
// one. So after a PostgreSQL restart at most the request that discovers the
// dead session gets `unavailable`, and no htut restart is needed.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/connection.hpp"

namespace htut::db {

class Pool {
 public:
  // A borrowed connection; going out of scope gives it back (or discards it
  // when it is broken or was left inside a transaction).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    bool fresh() const { return fresh_; }  // made for this acquire, not reused

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> conn, bool fresh);
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
    bool fresh_;
  };

  Pool(std::string url, std::size_t size, ConnectOptions options = {});
  ~Pool();  // all leases must be gone by then
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Waits up to `timeout` for a free connection. `unavailable` when the pool
  // stays exhausted or a new connection cannot be made.
  Result<Lease> acquire(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  std::size_t size() const { return size_; }

 private:
  void give_back(std::unique_ptr<Connection> conn);

  const std::string url_;
  const std::size_t size_;
  const ConnectOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  std::size_t open_ = 0;                           // idle + leased + being connected; guarded by mutex_
};

}  // namespace htut::db
