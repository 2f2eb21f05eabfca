#pragma once
// Result<T>: an expected-style return for operations where failure is normal
// (bad input, a missing object, a 404). GCC 12 has no std::expected.
#include <string>
#include <utility>
#include <variant>

namespace htut {

// What went wrong, in words a user or an operator can act on.
struct Error {
  // Coarse kind, so callers (e.g. the HTTP layer) can map it to a status.
  enum class Kind { invalid, not_found, conflict, too_large, unsupported, unavailable, forbidden, internal };
  Kind kind = Kind::internal;
  std::string message;
};

inline Error make_error(Error::Kind kind, std::string message) { return Error{kind, std::move(message)}; }

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations that return nothing on success.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace htut
