#include "queue/topology.hpp"

#include <algorithm>

#include "queue/amqp_url.hpp"
#include "queue/connection.hpp"

namespace htut::queue {

std::vector<QueueSpec> topology() {
  std::vector<QueueSpec> out;
  out.push_back({kDeadQueue, "", 0});
  out.push_back({kJobQueue, kDeadQueue, 0});
  for (int level = 0; level < kRetryLevels; ++level)
    out.push_back({retry_queue(level), kJobQueue, retry_ceiling(level).count()});
  return out;
}

int retry_level(int retries) { return std::clamp(retries, 0, kRetryLevels - 1); }

std::chrono::milliseconds retry_ceiling(int level) {
  return std::chrono::milliseconds(1000LL << retry_level(level));
}

std::string retry_queue(int level) {
  return std::string(kJobQueue) + ".retry." + std::to_string(retry_ceiling(level).count() / 1000) + "s";
}

std::chrono::milliseconds retry_delay(int retries, double unit_random) {
  auto ceiling = retry_ceiling(retry_level(retries)).count();
  double r = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(ceiling / 2 + static_cast<long long>(r * static_cast<double>(ceiling / 2)));
}

Status declare_topology(const std::string& amqp_url, const ConnectOptions& options) {
  auto url = parse_amqp_url(amqp_url);
  if (!url) return url.error();
  auto conn = Connection::open(*url, options);
  if (!conn) return conn.error();
  if (auto s = conn->declare_topology(); !s) return s;
  conn->close(std::chrono::seconds(2));
  return ok_status();
}

}  // namespace htut::queue
