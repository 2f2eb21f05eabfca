#include "wordcount/word_map.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <utility>

namespace htut::wordcount {

namespace {
constexpr size_t kInitialSlots = 1024;
// Tables below this many slots (1 MiB) are kept at most 1/4 full when they may grow.
constexpr size_t kSparseSlots = size_t{1} << 15;

constexpr uint64_t low_mask(size_t n) { return n >= 8 ? ~0ull : (1ull << (8 * n)) - 1; }
constexpr uint64_t high_mask(size_t n) { return n <= 8 ? 0 : low_mask(n - 8); }

// Fills out with bytes from the kernel's CSPRNG.
void secure_random(void* out, size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    const ssize_t n = getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("wordcount: getrandom failed, no seed for the word map's hash");
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}
}  // namespace

// Masks that keep the first n bytes of a little-endian 16-byte load: the
// low half's for n = 0..16, then the high half's.
const uint64_t WordMap::kKeyMasks[34] = {
    low_mask(0),   low_mask(1),   low_mask(2),   low_mask(3),   low_mask(4),   low_mask(5),   low_mask(6),
    low_mask(7),   low_mask(8),   low_mask(9),   low_mask(10),  low_mask(11),  low_mask(12),  low_mask(13),
    low_mask(14),  low_mask(15),  low_mask(16),  high_mask(0),  high_mask(1),  high_mask(2),  high_mask(3),
    high_mask(4),  high_mask(5),  high_mask(6),  high_mask(7),  high_mask(8),  high_mask(9),  high_mask(10),
    high_mask(11), high_mask(12), high_mask(13), high_mask(14), high_mask(15), high_mask(16)};

WordMap::WordMap() : slots_(kInitialSlots, Slot{}), mask_(kInitialSlots - 1) {
  secure_random(seed_, sizeof seed_);
  arena_.reserve(4 * kMaxKeyBytes);
}

template <class F>
decltype(auto) WordMap::with_padded(std::string_view w, F&& f) {
  if (w.size() <= kMaxKeyBytes) {  // every counted word: no allocation (merging maps adds millions)
    char padded[kMaxKeyBytes + kKeyPadding];
    std::memcpy(padded, w.data(), w.size());
    std::memset(padded + w.size(), 0, kKeyPadding);
    return f(static_cast<const char*>(padded));
  }
  std::string padded(w);
  padded.append(kKeyPadding, '\0');
  return f(static_cast<const char*>(padded.data()));
}

void WordMap::add(std::string_view w, uint64_t n) {
  with_padded(w, [&](const char* p) { add_padded(p, w.size(), n); });
}

void WordMap::add_stop_word(std::string_view w) {
  if (insert_stop(w)) stop_words_.emplace_back(w);
}

bool WordMap::insert_stop(std::string_view w) {
  return with_padded(w, [&](const char* p) {
    const size_t len = w.size();
    if (probe(p, len).slot->len != 0) return false;  // listed twice
    SpillTarget* const target = std::exchange(spill_to_, nullptr);  // stop words never spill
    add_padded(p, len, 0);
    spill_to_ = target;
    // Adding may have grown the table: look the slot up again.
    probe(p, len).slot->stop = 1;
    --distinct_;
    return true;
  });
}

uint64_t WordMap::total() const {
  uint64_t total = 0;
  for (const Slot& s : slots_) total += s.stop ? 0 : s.count;
  return total;
}

void WordMap::count_short_probing(uint64_t lo, uint64_t hi, uint64_t hash) {
  Slot& s = find_short(lo, hi, hash);
  if (s.len == 0) {
    // A key has no NUL byte, so its length is where the zero padding starts.
    const auto bytes = [](uint64_t x) { return static_cast<size_t>(8 - __builtin_clzll(x) / 8); };
    insert(s, lo, hi, hash, nullptr, hi != 0 ? 8 + bytes(hi) : bytes(lo), 1);
    return;
  }
  s.count += 1;
  // A word found away from its home slot that has now been seen more often
  // than the word at home takes its place, so frequent words end up being
  // found at once. Linear probing allows the swap: the probe run from home to
  // s has no empty slot, and the word at home has its own home at or before
  // it, so it stays reachable at s.
  Slot& home = slots_[hash & mask_];
  if (s.count > home.count) std::swap(s, home);
}

void WordMap::insert(Slot& s, uint64_t lo, uint64_t hi, uint64_t hash, const char* p, size_t len, uint64_t n) {
  s.count = n;
  s.hash = static_cast<uint32_t>(hash);
  s.len = static_cast<uint16_t>(len);
  s.stop = 0;
  if (len <= 16) {
    s.lo = lo;
    s.hi = hi;
  } else {
    s.lo = kLongTag | arena_.size();
    s.hi = 0;
    arena_.append(p, len);
  }
  ++distinct_;
  // Keep the load factor at or below 1/2 so probe runs stay short; below 1/4
  // while the table is small and may grow (fewer words away from their home
  // slot: English text counted about 8% faster).
  if (spill_to_ != nullptr && distinct_ > kMinRunWords && distinct_ * 2 * sizeof(Slot) > limit_) {
    // A budget below the table's own size: about 64 bytes per word (a slot at
    // half load), but runs of at least kMinRunWords words.
    ++used_;
    spill_to_->spill(*this);
  } else if (++used_ * 2 > slots_.size() || (used_ * 4 > slots_.size() && slots_.size() < kSparseSlots && may_grow())) {
    if (may_grow()) {
      grow();
    } else {
      spill_to_->spill(*this);
    }
  } else if (last_probe_ > kMaxProbe) {
    // Unlucky (or attacked): the run around this slot is long. A fresh seed
    // scatters it; a table at least 1/4 full also doubles.
    ++rehashes_;
    rehash(used_ * 4 > slots_.size() && may_grow() ? slots_.size() * 2 : slots_.size(), true);
  }
  if (arena_.capacity() - arena_.size() < kMaxKeyBytes) reserve_arena();
}

void WordMap::reserve_arena() {
  const size_t now = arena_.capacity();
  const size_t wanted = std::max(2 * now, 4 * kMaxKeyBytes);
  // While growing, the old and the new buffer are both alive.
  if (spill_to_ != nullptr && slots_.capacity() * sizeof(Slot) + now + wanted > limit_) {
    spill_to_->spill(*this);  // empties the arena (keeping its capacity)
    if (arena_.capacity() - arena_.size() >= kMaxKeyBytes) return;
  }
  arena_.reserve(wanted);
}

void WordMap::grow() { rehash(slots_.size() * 2, false); }

uint64_t WordMap::hash_of(const Slot& s) const {
  if (s.len <= 16) return hash_short(s.lo, s.hi);
  // hash_long reads past the key: copy it where that is allowed.
  return with_padded(key_of(s), [&](const char* p) { return hash_long(p, s.len); });
}

void WordMap::rehash(size_t slots, bool reseed) {
  if (reseed) {
    secure_random(seed_, sizeof seed_);
  }
  std::vector<Slot> old(slots, Slot{});
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (Slot s : old) {
    if (s.len == 0) continue;
    if (reseed) s.hash = static_cast<uint32_t>(hash_of(s));
    // The stored hash's low 32 bits pick the slot; tables stay below 2^32 slots.
    size_t i = s.hash & mask_;
    while (slots_[i].len != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void WordMap::take_sorted(const std::function<void(std::string_view, uint64_t)>& f) {
  size_t n = 0;
  for (const Slot& s : slots_) {
    if (s.len != 0 && !s.stop) slots_[n++] = s;
  }
  const auto first = slots_.begin();
  std::sort(first, first + static_cast<std::ptrdiff_t>(n),
            [this](const Slot& a, const Slot& b) { return key_of(a) < key_of(b); });
  for (size_t i = 0; i < n; ++i) f(key_of(slots_[i]), slots_[i].count);
  reset();
}

void WordMap::reset() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  used_ = 0;
  arena_.clear();
  distinct_ = 0;
  for (const std::string& w : stop_words_) insert_stop(w);
}

}  // namespace htut::wordcount
