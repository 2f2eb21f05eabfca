#pragma once
// SHA-256, HMAC-SHA256 and MD5 over OpenSSL, plus hex encoding: the primitives
// SigV4 and the storages need. Pure functions, no I/O.
#include <memory>
#include <string>
#include <string_view>

namespace htut::storage::crypto {

std::string hex(std::string_view bytes);                               // lowercase
std::string sha256(std::string_view data);                             // 32 raw bytes
std::string sha256_hex(std::string_view data);                         // 64 lowercase hex
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes

// Incremental hash, for data that arrives in pieces (e.g. a file being written).
class Digest {
 public:
  enum class Algorithm { sha256, md5 };
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void update(std::string_view data);
  std::string final_hex();  // call once

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace htut::storage::crypto
