#include "storage/libcurl_api.hpp"

#include <stdexcept>

#include "common/shared_library.hpp"

namespace htut::storage {

LibCurl load_libcurl(const std::string& soname) {
  common::SharedLibrary library(soname, "install Debian's libcurl4 (apt-get install libcurl4)");
#define HTUT_LIBCURL_LOAD(name) library.function<decltype(&::curl_##name)>("curl_" #name),
  return LibCurl{HTUT_LIBCURL_FUNCTIONS(HTUT_LIBCURL_LOAD)};
#undef HTUT_LIBCURL_LOAD
}

namespace {

LibCurl load_and_init() {
  LibCurl api = load_libcurl("libcurl.so.4");
  // Once per process, before any other libcurl call (not thread-safe itself;
  // the function-local static below runs it exactly once).
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  return api;
}

}  // namespace

const LibCurl& libcurl() {
  static const LibCurl api = load_and_init();
  return api;
}

}  // namespace htut::storage
