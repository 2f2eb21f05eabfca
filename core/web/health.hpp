#pragma once
// /healthz's view of the services: database, broker, storage. Computed at
// most once a second whatever the number of callers (one computation in
// flight, the others wait for it), each check with a short deadline and never
// two of the same check at once (a hung one keeps reporting "unavailable"
// instead of piling up threads). Answers say only ok/unavailable; the detail
// goes to the log, once per change.
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "web/blocking.hpp"

namespace htut::web {

class Health {
 public:
  static constexpr std::size_t components = 3;
  static constexpr std::array<const char*, components> names{"database", "broker", "storage"};
  using Check = std::function<Status()>;

  struct Snapshot {
    std::array<bool, components> ok{};
    bool healthy() const { return ok[0] && ok[1] && ok[2]; }
  };

  Health(net::thread_pool& pool, std::array<Check, components> checks,
         std::chrono::milliseconds max_age = std::chrono::seconds(1),
         std::chrono::milliseconds deadline = std::chrono::seconds(2));

  awaitable<Snapshot> current();
  // How many times the checks were run (for tests and the log).
  std::uint64_t computations() const;

 private:
  struct Component;
  awaitable<Snapshot> compute();

  net::thread_pool& pool_;
  std::vector<std::shared_ptr<Component>> components_;
  std::chrono::milliseconds max_age_, deadline_;
  mutable std::mutex mutex_;
  std::optional<Snapshot> last_;
  std::chrono::steady_clock::time_point last_at_{};
  bool computing_ = false;
  std::vector<std::shared_ptr<AsyncSignal>> waiters_;
  std::uint64_t computations_ = 0;
};

}  // namespace htut::web
