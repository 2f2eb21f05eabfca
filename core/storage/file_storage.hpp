#pragma once
// Storage in a local directory (S3_LOCATION=file:///abs/dir): one file per key, written
// atomically (temp file in the same directory, fsync, rename) so readers never see half
// an object. Keys are validated so they can never leave the directory.
#include <filesystem>

#include "storage/storage.hpp"

namespace htut::storage {

class FileStorage final : public Storage {
 public:
  explicit FileStorage(std::filesystem::path root);

  Result<ObjectInfo> put(const std::string& key, const Reader& reader, const PutOptions& options = {}) override;
  Status get(const std::string& key, const Sink& sink) override;
  Result<ObjectInfo> head(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<ObjectInfo>> list(const std::string& prefix) override;
  Result<std::string> presign_get(const std::string& key, std::chrono::seconds expires) override;
  Status check() override;
  std::unique_ptr<PartWriter> start_put(const std::string& key, const PutOptions& options = {}) override;
  std::size_t min_part_size() const override;

 private:
  std::filesystem::path root_;
};

// Temp files of unfinished writes start with this; list() skips them.
inline constexpr std::string_view file_storage_temp_prefix = ".htut-tmp-";

}  // namespace htut::storage
