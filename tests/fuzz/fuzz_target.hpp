#pragma once
// One fuzz target source builds two ways:
//  - with clang + libFuzzer (HTUT_FUZZ_LIBFUZZER defined, one target per
//    executable): HTUT_FUZZ_TARGET(name) is LLVMFuzzerTestOneInput;
//  - with GCC into htut_fuzz_replay (all targets in one executable): it is a
//    function registered under `name`, so CI replays tests/fuzz/corpus/<name>/.
// Invariant violations call HTUT_FUZZ_CHECK, which prints and aborts in both.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace htut::fuzz {

using TargetFn = int (*)(const std::uint8_t* data, std::size_t size);

struct Target {
  std::string name;
  TargetFn run;
};

// Every target linked into the replay executable.
std::vector<Target>& registry();

struct Registration {
  Registration(const char* name, TargetFn run) { registry().push_back({name, run}); }
};

// Prints what failed (and the input being replayed, if known), then aborts so
// libFuzzer saves the input as a crash and ctest sees a failure.
[[noreturn]] void check_failed(const char* file, int line, const char* condition, const std::string& detail);

// The replay driver names the current input here so a failure can say which file.
void set_current_input(std::string name);

}  // namespace htut::fuzz

#define HTUT_FUZZ_CHECK(condition, detail)                                                \
  do {                                                                                    \
    if (!(condition)) ::htut::fuzz::check_failed(__FILE__, __LINE__, #condition, detail); \
  } while (false)

#ifdef HTUT_FUZZ_LIBFUZZER
#define HTUT_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define HTUT_FUZZ_TARGET(name)                                                                            \
  static int htut_fuzz_target_##name(const std::uint8_t* data, std::size_t size);                         \
  static const ::htut::fuzz::Registration htut_fuzz_registration_##name(#name, &htut_fuzz_target_##name); \
  static int htut_fuzz_target_##name(const std::uint8_t* data, std::size_t size)
#endif
