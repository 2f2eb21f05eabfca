#pragma once
// The stop-word list of the word-count rules (spec/word-count.md, "Stop words").
#include <span>
#include <string_view>

namespace htut::wordcount {

std::span<const std::string_view> stop_words();

}  // namespace htut::wordcount
