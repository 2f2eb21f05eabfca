// htut s3: the storage client from the command line, with the roles' configuration.
// Wiring only; the work is in core/storage.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "cmd/htut/commands.hpp"
#include "config/config.hpp"
#include "log/log.hpp"
#include "storage/storage.hpp"

namespace htut::cmd {
namespace {

constexpr const char* s3_usage =
    "usage: htut s3 put FILE KEY | get KEY [FILE|-] | ls [PREFIX] | rm KEY | presign KEY [--expires SECONDS]\n";

int usage_error(const std::string& why) {
  std::cerr << "htut s3: " << why << "\n" << s3_usage;
  return 2;
}

int failure(const std::string& why) {
  std::cerr << "htut s3: " << why << "\n";
  return 1;
}

// Closes a FILE* (not stdin/stdout).
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != stdin && f != stdout) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

int put(storage::Storage& store, const std::string& file, const std::string& key) {
  FilePtr in(file == "-" ? stdin : std::fopen(file.c_str(), "rb"));
  if (!in) return failure("cannot open " + file + ": " + std::strerror(errno));
  storage::Reader reader = [&](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::fread(buf, 1, cap, in.get());
    if (n == 0 && std::ferror(in.get())) return make_error(Error::Kind::internal, "cannot read " + file);
    return n;
  };
  auto info = store.put(key, reader);
  if (!info) return failure(info.error().message);
  log::info("stored", {{"key", info->key}, {"bytes", info->size}, {"etag", info->etag}});
  return 0;
}

int get(storage::Storage& store, const std::string& key, const std::string& file) {
  // A named FILE is written next to itself and renamed when complete, so a failed
  // download neither leaves half a file nor destroys an existing one.
  const bool to_stdout = file == "-";
  const std::string partial = file + ".htut-part";
  FilePtr out(to_stdout ? stdout : std::fopen(partial.c_str(), "wb"));
  if (!out) return failure("cannot create " + partial + ": " + std::strerror(errno));
  auto st = store.get(key, [&](std::string_view chunk) -> Status {
    if (std::fwrite(chunk.data(), 1, chunk.size(), out.get()) != chunk.size())
      return make_error(Error::Kind::internal, "cannot write " + file + ": " + std::strerror(errno));
    return ok_status();
  });
  if (st && std::fflush(out.get()) != 0) st = make_error(Error::Kind::internal, "cannot write " + file);
  if (!to_stdout) {
    out.reset();
    if (st && std::rename(partial.c_str(), file.c_str()) != 0)
      st = make_error(Error::Kind::internal, "cannot rename " + partial + " to " + file + ": " + std::strerror(errno));
    if (!st) std::remove(partial.c_str());
  }
  if (!st) return failure(st.error().message);
  return 0;
}

int list(storage::Storage& store, const std::string& prefix) {
  auto objects = store.list(prefix);
  if (!objects) return failure(objects.error().message);
  for (const auto& o : *objects) std::cout << o.key << "\n";
  return 0;
}

int presign(storage::Storage& store, const std::string& key, long long seconds) {
  auto url = store.presign_get(key, std::chrono::seconds(seconds));
  if (!url) return failure(url.error().message);
  std::cout << *url << "\n";
  return 0;
}

}  // namespace

int s3_main(const Args& args) {
  if (args.empty()) return usage_error("missing sub-command");
  const std::string& sub = args[0];
  const std::size_t n = args.size();
  std::string key, file = "-", prefix;
  long long expires = 3600;
  if (sub == "put") {
    if (n != 3) return usage_error("put needs FILE and KEY");
    file = args[1];
    key = args[2];
  } else if (sub == "get") {
    if (n < 2 || n > 3) return usage_error("get needs KEY and an optional FILE");
    key = args[1];
    if (n == 3) file = args[2];
  } else if (sub == "ls") {
    if (n > 2) return usage_error("ls takes at most one PREFIX");
    if (n == 2) prefix = args[1];
  } else if (sub == "rm") {
    if (n != 2) return usage_error("rm needs KEY");
    key = args[1];
  } else if (sub == "presign") {
    for (std::size_t i = 1; i < n; ++i) {
      const std::string& a = args[i];
      if (a == "--expires" || a.rfind("--expires=", 0) == 0) {
        std::string value = a == "--expires" ? (i + 1 < n ? args[++i] : "") : a.substr(10);
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), expires);
        if (ec != std::errc() || p != value.data() + value.size() || expires < 1 || expires > 604800)
          return usage_error("--expires needs a number of seconds from 1 to 604800");
      } else if (key.empty() && a.rfind("--", 0) != 0) {
        key = a;
      } else {
        return usage_error("unexpected argument '" + a + "'");
      }
    }
    if (key.empty()) return usage_error("presign needs KEY");
  } else {
    return usage_error("unknown sub-command '" + sub + "'");
  }

  const config::Needs needs = config::needs_for_role("s3");
  config::Config cfg;
  try {
    cfg = config::load(needs);
  } catch (const config::ConfigError& e) {
    return failure(e.what());
  }
  if (!load_libraries("s3", cfg, needs)) return 1;
  // Output that is data (an object on stdout, keys, a URL) must not mix with log lines.
  if ((sub == "get" && file == "-") || sub == "ls" || sub == "presign") log::set_min_level(log::Level::error);
  std::unique_ptr<storage::Storage> store;
  try {
    store = storage::make_storage(cfg.s3);
  } catch (const std::invalid_argument& e) {
    return failure(e.what());
  }
  if (sub == "put") return put(*store, file, key);
  if (sub == "get") return get(*store, key, file);
  if (sub == "ls") return list(*store, prefix);
  if (sub == "rm") {
    auto st = store->remove(key);
    return st ? 0 : failure(st.error().message);
  }
  return presign(*store, key, expires);
}

}  // namespace htut::cmd
