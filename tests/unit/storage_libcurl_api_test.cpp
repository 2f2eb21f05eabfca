// The libcurl table (storage/libcurl_api.hpp): libcurl is dlopen'ed, not linked.
#include <catch2/catch.hpp>
#include <string>

#include "common/shared_library.hpp"
#include "storage/libcurl_api.hpp"

using namespace htut;

TEST_CASE("libcurl loads on first use and its functions work through the table") {
  const storage::LibCurl& curl = storage::libcurl();
  CHECK(&storage::libcurl() == &curl);  // loaded (and curl_global_init done) once
  const curl_version_info_data* info = curl.version_info(CURLVERSION_NOW);
  REQUIRE(info != nullptr);
  CHECK(info->version_num >= 0x075800);  // Debian 12's libcurl4 is 7.88
  CHECK(std::string(curl.easy_strerror(CURLE_OK)) == "No error");
  CURL* handle = curl.easy_init();
  REQUIRE(handle != nullptr);
  curl.easy_cleanup(handle);
}

TEST_CASE("a missing libcurl gives an error that names it and what to install") {
  CHECK_THROWS_AS(storage::load_libcurl("libdoesnotexist.so.1"), common::LibraryError);
  CHECK_THROWS_WITH(storage::load_libcurl("libdoesnotexist.so.1"),
                    Catch::Matchers::StartsWith("libdoesnotexist.so.1 could not be loaded (") &&
                        Catch::Matchers::Contains("libdoesnotexist.so.1: cannot open shared object file") &&
                        Catch::Matchers::EndsWith("): install Debian's libcurl4 (apt-get install libcurl4)"));
}
