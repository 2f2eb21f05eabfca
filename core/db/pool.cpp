#include "db/pool.hpp"

#include "db/errors.hpp"
#include "log/log.hpp"

namespace htut::db {

Pool::Lease::Lease(Pool* pool, std::unique_ptr<Connection> conn, bool fresh)
    : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}

Pool::Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)), fresh_(other.fresh_) {}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (conn_) pool_->give_back(std::move(conn_));
    pool_ = other.pool_;
    conn_ = std::move(other.conn_);
    fresh_ = other.fresh_;
  }
  return *this;
}

Pool::Lease::~Lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

Pool::Pool(std::string url, std::size_t size, ConnectOptions options)
    : url_(std::move(url)), size_(size == 0 ? 1 : size), options_(std::move(options)) {}

Pool::~Pool() = default;

Result<Pool::Lease> Pool::acquire(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  while (true) {
    // Reuse an idle connection when one is still good; a dead one is dropped
    // (its slot frees up for a new connection below).
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->reusable()) return Lease(this, std::move(conn), false);
      --open_;
      log::warn("database connection lost; reconnecting");
    }
    if (open_ < size_) break;
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= size_)
      return unavailable_error("no free connection within " + std::to_string(timeout.count()) + " ms (all " +
                               std::to_string(size_) + " in use)");
  }
  // Reserve the slot, then connect without holding the lock: connecting can
  // take up to connect_timeout and must not stall other threads.
  ++open_;
  lock.unlock();
  auto conn = Connection::open(url_, options_);
  if (!conn) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(*conn), true);
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  bool alive = conn->alive();
  bool good = alive && conn->reusable();
  std::lock_guard lock(mutex_);
  if (good) {
    idle_.push_back(std::move(conn));
    freed_.notify_one();
    return;
  }
  --open_;
  conn.reset();  // left in a transaction, or dead
  if (!alive) {
    // The server probably restarted: the idle sessions are dead too, so drop
    // them now rather than let each of them fail a request.
    open_ -= idle_.size();
    idle_.clear();
  }
  freed_.notify_all();
}

}  // namespace htut::db
