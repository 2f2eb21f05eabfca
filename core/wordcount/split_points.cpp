#include "wordcount/split_points.hpp"

#include <algorithm>
#include <optional>

namespace htut::wordcount {

namespace {
constexpr size_t kScanPiece = 64 * 1024;

// The first safe cut in [from, from + max_scan) ∩ [from, size), if any.
std::optional<uint64_t> find_cut(uint64_t from, uint64_t size, size_t max_scan, const ReadAt& read) {
  std::vector<char> buf(std::min<uint64_t>(kScanPiece, max_scan));
  const uint64_t limit = std::min<uint64_t>(size, from + max_scan);
  for (uint64_t at = from; at < limit;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), limit - at));
    const size_t got = std::min(read(at, buf.data(), want), want);
    if (got == 0) break;  // the document is shorter than it said
    const size_t cut = cut_after_space(std::string_view(buf.data(), got));
    if (cut != std::string_view::npos) return at + cut;
    at += got;
  }
  return std::nullopt;
}
}  // namespace

size_t cut_after_space(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (is_ascii_space(static_cast<unsigned char>(bytes[i]))) return i + 1;
  }
  return std::string_view::npos;
}

std::vector<ByteRange> split_ranges(uint64_t size, size_t parts, const ReadAt& read, size_t max_scan) {
  std::vector<ByteRange> out;
  if (size == 0) return out;
  parts = std::max<size_t>(parts, 1);
  uint64_t begin = 0;
  for (size_t i = 1; i < parts; ++i) {
    // size * i / parts without overflow (size < 2^64, parts small).
    const auto nominal = static_cast<uint64_t>(static_cast<unsigned __int128>(size) * i / parts);
    if (nominal <= begin) continue;  // the previous range already reaches past it
    const auto cut = find_cut(nominal, size, max_scan, read);
    if (!cut || *cut >= size) continue;  // this range goes on to the next cut
    out.push_back({begin, *cut});
    begin = *cut;
  }
  out.push_back({begin, size});
  return out;
}

}  // namespace htut::wordcount
