#include "http/signed_value.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "http/base64url.hpp"

namespace htut::http {
namespace {

constexpr std::size_t kMacBytes = 32;         // SHA-256
constexpr std::size_t kMaxValueBytes = 8192;  // far beyond any cookie a browser keeps

std::string hmac(std::string_view key, std::string_view purpose, std::string_view encoded_payload) {
  std::string message;
  message.reserve(purpose.size() + 1 + encoded_payload.size());
  message.append(purpose).append(1, '\n').append(encoded_payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  // A non-null pointer even for an empty key: OpenSSL treats NULL specially.
  const char* key_data = key.empty() ? "" : key.data();
  if (!HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len) ||
      mac_len != kMacBytes)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

}  // namespace

std::string sign_value(std::string_view payload, std::string_view key, std::string_view purpose) {
  std::string encoded = base64url_encode(payload);
  const std::string mac = hmac(key, purpose, encoded);
  return encoded + "." + base64url_encode(mac);
}

std::optional<std::string> verify_signed_value(std::string_view value, std::string_view key, std::string_view purpose) {
  if (value.size() > kMaxValueBytes) return std::nullopt;
  const std::size_t dot = value.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view encoded = value.substr(0, dot);
  const auto mac = base64url_decode(value.substr(dot + 1));
  if (!mac || mac->size() != kMacBytes) return std::nullopt;
  if (!constant_time_equal(*mac, hmac(key, purpose, encoded))) return std::nullopt;
  return base64url_decode(encoded);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string random_hex(std::size_t n_bytes) {
  std::vector<unsigned char> buf(n_bytes);
  if (n_bytes > 0 && RAND_bytes(buf.data(), static_cast<int>(n_bytes)) != 1)
    throw std::runtime_error("the system random number generator failed");
  return to_hex(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

}  // namespace htut::http
