#pragma once
// What event streams read from the database, shared: the streams of one
// document woken by one notification make one query between them, not one each.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "db/documents.hpp"
#include "web/blocking.hpp"

namespace htut::web {

class SharedDocumentReads {
 public:
  SharedDocumentReads(net::thread_pool& pool, db::Documents& documents) : pool_(pool), documents_(documents) {}

  // The row (slug, time_uploaded) as read by a query that started at hub
  // sequence `at_least` or later (so it shows every change notified until then).
  awaitable<Result<std::optional<db::Document>>> read(std::string slug, std::string time_uploaded,
                                                      std::uint64_t at_least, std::uint64_t sequence_now);
  std::uint64_t queries() const { return queries_.load(); }

 private:
  struct Flight;
  net::thread_pool& pool_;
  db::Documents& documents_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // the newest per document
  std::atomic<std::uint64_t> queries_{0};
};

}  // namespace htut::web
