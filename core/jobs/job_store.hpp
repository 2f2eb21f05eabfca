#pragma once
// JobStore: the database operations a job needs, behind an interface so the
// job logic can be unit-tested without PostgreSQL.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "db/documents.hpp"

namespace htut::jobs {

class JobStore {
 public:
  virtual ~JobStore() = default;
  virtual Result<std::optional<db::Document>> find(const std::string& slug, const std::string& time_uploaded) = 0;
  // A worker takes the job of a pending row (attempts + 1); nullopt when not pending.
  virtual Result<std::optional<db::Document>> claim(const std::string& slug, const std::string& time_uploaded) = 0;
  // The job goes back without an outcome for the row: attempts = 0, due again in `retry_in`.
  virtual Status release(const std::string& slug, const std::string& time_uploaded,
                         std::chrono::seconds retry_in) = 0;
  // pending -> done; false when the row was not pending (a duplicate job).
  virtual Result<bool> complete(const std::string& slug, const std::string& time_uploaded, std::int64_t total_words,
                                std::int64_t distinct_words, const std::string& word_counts_json) = 0;
  // pending -> failed; false when the row was not pending.
  virtual Result<bool> fail(const std::string& slug, const std::string& time_uploaded, const std::string& error) = 0;
};

// The real store: db::Documents.
class DocumentsJobStore final : public JobStore {
 public:
  explicit DocumentsJobStore(db::Documents& documents) : documents_(documents) {}
  Result<std::optional<db::Document>> find(const std::string& slug, const std::string& time_uploaded) override {
    return documents_.find(slug, time_uploaded);
  }
  Result<std::optional<db::Document>> claim(const std::string& slug, const std::string& time_uploaded) override {
    return documents_.claim_job(slug, time_uploaded);
  }
  Status release(const std::string& slug, const std::string& time_uploaded, std::chrono::seconds retry_in) override {
    return documents_.release_job(slug, time_uploaded, retry_in);
  }
  Result<bool> complete(const std::string& slug, const std::string& time_uploaded, std::int64_t total_words,
                        std::int64_t distinct_words, const std::string& word_counts_json) override {
    return documents_.complete(slug, time_uploaded, total_words, distinct_words, word_counts_json);
  }
  Result<bool> fail(const std::string& slug, const std::string& time_uploaded, const std::string& error) override {
    return documents_.fail(slug, time_uploaded, error);
  }

 private:
  db::Documents& documents_;
};

}  // namespace htut::jobs
