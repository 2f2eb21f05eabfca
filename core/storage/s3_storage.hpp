#pragma once
// Storage on S3 (or an S3-compatible server). Objects up to one part (16 MiB) go up in
// one signed PUT; larger ones as a multipart upload of 16 MiB parts, each buffered so
// it can be retried, and each signed with its own SHA-256. Memory stays at about one
// part per upload in flight. start_put() lets
// the caller hold the bytes and choose the parts (the web role: 8 MiB). Downloads stream to the caller's sink.
#include <cstddef>
#include <deque>
#include <mutex>

#include "storage/s3_client.hpp"
#include "storage/storage.hpp"

namespace htut::storage {

class S3Storage final : public Storage {
 public:
  // part_size: at least 5 MiB (S3's minimum for all but the last part).
  S3Storage(S3Endpoint endpoint, sigv4::Credentials credentials, std::string region, std::string bucket,
            RetryPolicy policy = {}, std::size_t part_size = default_part_size);

  Result<ObjectInfo> put(const std::string& key, const Reader& reader, const PutOptions& options = {}) override;
  Status get(const std::string& key, const Sink& sink) override;
  Result<ObjectInfo> head(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<ObjectInfo>> list(const std::string& prefix) override;
  Result<std::string> presign_get(const std::string& key, std::chrono::seconds expires) override;
  Status check() override;
  std::unique_ptr<PartWriter> start_put(const std::string& key, const PutOptions& options = {}) override;
  std::size_t min_part_size() const override;

  static constexpr std::size_t default_part_size = 16 * 1024 * 1024;
  static constexpr std::size_t s3_min_part_size = 5 * 1024 * 1024;

 private:
  friend class S3PartWriter;
  Result<ObjectInfo> put_single(const std::string& key, std::string_view body, const PutOptions& options);
  Result<ObjectInfo> put_multipart(const std::string& key, char* part, std::size_t filled, const Reader& reader,
                                   const PutOptions& options);
  Result<std::string> create_upload(const std::string& key, const PutOptions& options);
  Result<std::string> upload_part(const std::string& key, const std::string& upload_id, int number,
                                  std::string_view data);
  Result<std::string> complete_upload(const std::string& key, const std::string& upload_id,
                                      const std::vector<std::string>& etags);
  // Aborts a multipart upload; true when S3 took it (or knows no such upload).
  // One that fails (S3 unreachable at that moment) is kept and tried again
  // later (retry_failed_aborts), so no multipart upload is left behind.
  bool abort_upload(const std::string& key, const std::string& upload_id);
  // Tries again the aborts that failed, a few at a time; called after a request
  // that shows S3 answers (the bucket check of /healthz, a finished upload).
  void retry_failed_aborts();

  struct FailedAbort {
    std::string key, upload_id;
  };
  static constexpr std::size_t max_failed_aborts = 1000;  // beyond: the oldest is given up (logged)
  std::mutex failed_aborts_mutex_;
  std::deque<FailedAbort> failed_aborts_;

  S3Client client_;
  std::string bucket_;
  std::size_t part_size_;
};

}  // namespace htut::storage
