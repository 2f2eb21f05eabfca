#pragma once
// A C library loaded at run time (dlopen/dlsym) instead of linked. htut does so
// for libpq and libcurl: linked, they and their ~30 dependencies cost every
// start of the one binary ~5 ms of CPU, which `htut count` (which uses neither)
// would pay against `wc` (docs/performance-wordcount.md, "Start-up"). The
// typed function tables built from it are db/libpq_api.hpp and
// storage/libcurl_api.hpp. A loaded library is never closed: the tables live as
// long as the process.
#include <dlfcn.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace htut::common {

// A library or one of its functions is missing; the message names it and what to do.
struct LibraryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SharedLibrary {
 public:
  // soname: "libpq.so.5"; remedy: what fixes its absence ("install Debian's libpq5").
  // Throws LibraryError when it cannot be loaded.
  SharedLibrary(std::string soname, std::string remedy) : soname_(std::move(soname)), remedy_(std::move(remedy)) {
    handle_ = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw LibraryError(soname_ + " could not be loaded (" + last_error() + "): " + remedy_);
  }

  // The function `name` as a pointer of type F (decltype(&::name) from the real header).
  template <class F>
  F function(const char* name) const {
    ::dlerror();  // clear any earlier error
    void* address = ::dlsym(handle_, name);
    if (address == nullptr)
      throw LibraryError(soname_ + " has no " + name + " (" + last_error() +
                         "): it is too old or not the expected library; " + remedy_);
    return reinterpret_cast<F>(address);
  }

 private:
  static std::string last_error() {
    const char* e = ::dlerror();
    return e != nullptr ? e : "unknown error";
  }
  std::string soname_;
  std::string remedy_;
  void* handle_ = nullptr;
};

}  // namespace htut::common
