#include "storage/file_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "storage/object_key.hpp"
#include "storage/sigv4.hpp"

namespace fs = std::filesystem;

namespace htut::storage {
namespace {

constexpr std::size_t chunk_size = 256 * 1024;

// Owns a POSIX file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  friend void swap(UniqueFd& a, UniqueFd& b) noexcept { std::swap(a.fd_, b.fd_); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Error io_error(const std::string& what, const fs::path& path, int err) {
  return make_error(err == ENOSPC || err == EACCES || err == EROFS ? Error::Kind::unavailable : Error::Kind::internal,
                    what + " " + path.string() + ": " + std::strerror(err));
}

std::string etag_for(const struct stat& st) {
  char buf[64];
  long long ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  std::snprintf(buf, sizeof buf, "%llx-%llx", ns, static_cast<unsigned long long>(st.st_size));
  return buf;
}

Status write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path, errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return ok_status();
}

// Makes the rename durable too (the directory entry).
void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

}  // namespace

FileStorage::FileStorage(fs::path root) : root_(root.lexically_normal()) {
  if (!root_.has_filename() && root_.has_parent_path() && root_ != root_.root_path()) root_ = root_.parent_path();
}

// A temp file next to the object, renamed into place by finish().
class FilePartWriter final : public PartWriter {
 public:
  FilePartWriter(std::string key, fs::path path) : key_(std::move(key)), path_(std::move(path)) {}
  ~FilePartWriter() override { abort(); }

  Status write_part(std::string_view data) override {
    if (done_) return make_error(Error::Kind::internal, "the write of " + path_.string() + " is already finished");
    if (fd_.get() < 0) {
      std::error_code ec;
      fs::create_directories(path_.parent_path(), ec);
      if (ec)
        return make_error(Error::Kind::unavailable,
                          "cannot create directory " + path_.parent_path().string() + ": " + ec.message());
      temp_ = (path_.parent_path() / (std::string(file_storage_temp_prefix) + "XXXXXX")).string();
      UniqueFd fd(::mkostemp(temp_.data(), O_CLOEXEC));
      if (fd.get() < 0) {
        temp_.clear();
        return io_error("cannot create a temporary file in", path_.parent_path(), errno);
      }
      swap(fd_, fd);
    }
    if (auto w = write_all(fd_.get(), data.data(), data.size(), temp_); !w) return w;
    total_ += data.size();
    return ok_status();
  }

  Result<ObjectInfo> finish(std::string_view last) override {
    if (auto w = write_part(last); !w) return w.error();
    auto fail = [&](Error e) -> Result<ObjectInfo> {
      abort();
      return e;
    };
    if (::fchmod(fd_.get(), 0644) != 0 || ::fsync(fd_.get()) != 0) return fail(io_error("cannot flush", temp_, errno));
    if (::close(fd_.release()) != 0) return fail(io_error("cannot close", temp_, errno));
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return fail(io_error("cannot rename into place", path_, errno));
    done_ = true;
    fsync_dir(path_.parent_path());
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return io_error("cannot stat", path_, errno);
    return ObjectInfo{key_, total_, etag_for(st)};
  }

  void abort() override {
    if (done_) return;
    done_ = true;
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

 private:
  std::string key_;
  fs::path path_;
  std::string temp_;
  UniqueFd fd_;
  std::uint64_t total_ = 0;
  bool done_ = false;
};

std::unique_ptr<PartWriter> FileStorage::start_put(const std::string& key, const PutOptions&) {
  // An invalid key fails at the first write, like S3's.
  if (auto ok = validate_key(key); !ok) return refusing_writer(ok.error());
  return std::make_unique<FilePartWriter>(key, root_ / key);
}

std::size_t FileStorage::min_part_size() const { return 0; }

Result<ObjectInfo> FileStorage::put(const std::string& key, const Reader& reader, const PutOptions&) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  // The same temp file, fsync and rename as an upload written part by part;
  // a failure on the way leaves no temp file (the writer aborts when destroyed).
  FilePartWriter writer(key, root_ / key);
  std::vector<char> buffer(chunk_size);
  while (true) {
    auto n = reader(buffer.data(), buffer.size());
    if (!n) return n.error();
    if (*n == 0) break;
    if (auto w = writer.write_part(std::string_view(buffer.data(), *n)); !w) return w.error();
  }
  return writer.finish({});
}

Status FileStorage::get(const std::string& key, const Sink& sink) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  const fs::path path = root_ / key;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return make_error(Error::Kind::not_found, "object '" + key + "' does not exist");
    return io_error("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return make_error(Error::Kind::not_found, "object '" + key + "' does not exist");
  std::vector<char> buffer(chunk_size);
  while (true) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read", path, errno);
    }
    if (n == 0) return ok_status();
    if (auto s = sink(std::string_view(buffer.data(), static_cast<std::size_t>(n))); !s) return s;
  }
}

Result<ObjectInfo> FileStorage::head(const std::string& key) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  struct stat st {};
  const fs::path path = root_ / key;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return make_error(Error::Kind::not_found, "object '" + key + "' does not exist");
    return io_error("cannot stat", path, errno);
  }
  if (!S_ISREG(st.st_mode)) return make_error(Error::Kind::not_found, "object '" + key + "' does not exist");
  return ObjectInfo{key, static_cast<std::uint64_t>(st.st_size), etag_for(st)};
}

Status FileStorage::remove(const std::string& key) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  const fs::path path = root_ / key;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return ok_status();  // a "prefix", not an object
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) return io_error("cannot remove", path, errno);
  // Drop directories the object leaves empty, like S3 has no empty "folders".
  std::error_code ec;
  for (fs::path dir = path.parent_path(); dir != root_ && dir.string().size() > root_.string().size();
       dir = dir.parent_path()) {
    if (!fs::is_empty(dir, ec) || ec || !fs::remove(dir, ec)) break;
  }
  return ok_status();
}

Result<std::vector<ObjectInfo>> FileStorage::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (it->path().filename().string().rfind(file_storage_temp_prefix, 0) == 0) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;  // removed meanwhile
    out.push_back(ObjectInfo{key, static_cast<std::uint64_t>(st.st_size), etag_for(st)});
  }
  if (ec) return make_error(Error::Kind::unavailable, "cannot list " + root_.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Result<std::string> FileStorage::presign_get(const std::string& key, std::chrono::seconds) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  return "file://" + sigv4::encode_path((root_ / key).string());
}

Status FileStorage::check() {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_, ec))
    return make_error(Error::Kind::unavailable,
                      "storage directory " + root_.string() + " is not usable: " + ec.message());
  if (::access(root_.c_str(), W_OK | X_OK) != 0) return io_error("storage directory is not writable:", root_, errno);
  return ok_status();
}

}  // namespace htut::storage
