#include "db/libpq_api.hpp"

#include "common/shared_library.hpp"

namespace htut::db {

LibPq load_libpq(const std::string& soname) {
  common::SharedLibrary library(soname, "install Debian's libpq5 (apt-get install libpq5)");
#define HTUT_LIBPQ_LOAD(name) library.function<decltype(&::PQ##name)>("PQ" #name),
  return LibPq{HTUT_LIBPQ_FUNCTIONS(HTUT_LIBPQ_LOAD)};
#undef HTUT_LIBPQ_LOAD
}

const LibPq& libpq() {
  static const LibPq api = load_libpq("libpq.so.5");
  return api;
}

}  // namespace htut::db
