#pragma once
// libcurl, loaded with dlopen on first use instead of linked, so that starting
// `htut count` (which never talks to S3) does not load libcurl and its ~25
// dependencies (common/shared_library.hpp says why). Every libcurl call in
// htut goes through this table (curl_easy.cpp, the one owner of curl handles):
// `libcurl().easy_perform(curl)` calls curl_easy_perform. The roles that use
// S3 call libcurl() at start-up, so a missing libcurl4 fails there with a
// clear message.
#include <curl/curl.h>

#include <string>

namespace htut::storage {

// The functions htut uses, without their "curl_" prefix: X(easy_init) is
// curl_easy_init. (The members cannot keep the prefix: curl.h makes
// curl_easy_setopt and curl_easy_getinfo function-like macros.)
// clang-format off
#define HTUT_LIBCURL_FUNCTIONS(X) \
  X(global_init) X(easy_init) X(easy_cleanup) X(easy_reset) X(easy_setopt) X(easy_getinfo) X(easy_perform) \
  X(easy_strerror) X(slist_append) X(slist_free_all) X(version_info)
// clang-format on

struct LibCurl {
#define HTUT_LIBCURL_MEMBER(name) decltype(&::curl_##name) name = nullptr;
  HTUT_LIBCURL_FUNCTIONS(HTUT_LIBCURL_MEMBER)
#undef HTUT_LIBCURL_MEMBER
};

// The table for libcurl.so.4, loaded once (thread-safe) and with
// curl_global_init already done; throws common::LibraryError ("libcurl.so.4
// could not be loaded (...): install Debian's libcurl4 ...") when the library
// or a function is missing, std::runtime_error when curl_global_init fails; a
// later call tries again.
const LibCurl& libcurl();

// Loads the table from `soname` without curl_global_init (libcurl() uses
// "libcurl.so.4"; tests ask for a missing one). Throws common::LibraryError.
LibCurl load_libcurl(const std::string& soname);

}  // namespace htut::storage
