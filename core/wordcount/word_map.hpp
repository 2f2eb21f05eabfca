#pragma once
// A counting hash map built for short keys (words): open addressing with
// linear probing over 32-byte slots. Keys of up to 16 bytes live inside the
// slot, longer ones in one growing arena, so counting an occurrence never
// allocates; memory grows with the number of distinct words only.
// Stop words are entries marked "stop": one lookup both filters and counts.
// With a memory budget, a map that would outgrow it hands itself to a
// SpillTarget (which writes its words out and empties it) instead of growing.
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace htut::wordcount {

// Bytes that must be readable after the start of a key passed to add_padded.
inline constexpr size_t kKeyPadding = 16;

class WordMap;

// Where a map at its memory budget goes: spill(map) must empty it (take_sorted()).
class SpillTarget {
 public:
  virtual void spill(WordMap& full) = 0;

 protected:
  ~SpillTarget() = default;
};

class WordMap {
  struct Slot;

 public:
  WordMap();

  // From now on the map's table and arena stay within `bytes` (but never below
  // its initial size, about 36 KiB), growth included; when a new word would
  // need more, the map calls target->spill(*this) instead of growing.
  void set_budget(size_t bytes, SpillTarget* target) {
    limit_ = bytes;
    spill_to_ = target;
  }
  // Bytes held by the table and the arena.
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot) + arena_.capacity(); }

  // Marks w as a stop word: adding it later counts nothing. Call before adding words.
  void add_stop_word(std::string_view w);

  // The hash of the len bytes at p (kKeyPadding readable bytes after p),
  // for the map's current seed.
  uint64_t hash_padded(const char* p, size_t len) const {
    if (len <= 16) {
      uint64_t lo, hi;
      load_short(p, len, lo, hi);
      return hash_short(lo, hi);
    }
    return hash_long(p, len);
  }

  // The fast path's way in, for keys of 1 to 16 bytes: lo and hi are the
  // key's bytes, little-endian, zero past its end (words never hold a NUL).
  uint64_t hash_short(uint64_t lo, uint64_t hi) const { return short_hash(seed_, lo, hi); }
  // The seed and the table as a value a caller's loop keeps in registers:
  // the map's own members would be reloaded after every count, since the
  // compiler must assume the count's store may change them. Valid until the
  // map rebuilds its table or draws a new seed; count_short() says when.
  struct ShortView {
    uint64_t seed[2];
    Slot* slots;
    size_t mask;
    uint64_t hash(uint64_t lo, uint64_t hi) const { return short_hash(seed, lo, hi); }
  };
  ShortView short_view() { return ShortView{{seed_[0], seed_[1]}, slots_.data(), mask_}; }
  // Counts the key. Returns false when it was not in its home slot: then the
  // map may have changed its table or seed (take a new short_view()).
  bool count_short(const ShortView& view, uint64_t lo, uint64_t hi) {
    const uint64_t hash = view.hash(lo, hi);
    Slot& s = view.slots[hash & view.mask];
    // Short keys are compared whole in the slot: two equal 16-byte blocks are
    // the same word (the zero padding gives the length away), and a long
    // key's slot never looks like a short key (kLongTag).
    if (s.lo == lo && s.hi == hi) [[likely]] {
      s.count += 1;  // stop entries count too (no branch); total() leaves them out
      return true;
    }
    count_short_probing(lo, hi, hash);
    return false;
  }
  static void load_short(const char* p, size_t len, uint64_t& lo, uint64_t& hi) { load_short(p, len, 0, lo, hi); }
  // The same with `fold` ORed into both halves before masking.
  static void load_short(const char* p, size_t len, uint64_t fold, uint64_t& lo, uint64_t& hi) {
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + 8, 8);
    lo = (lo | fold) & key_low_mask(len);
    hi = (hi | fold) & key_high_mask(len);
  }

  // Counts n occurrences of the len bytes at p. p must have kKeyPadding
  // readable bytes even when len is smaller (they are masked off).
  void add_padded(const char* p, size_t len, uint64_t n = 1) {
    const Probe q = probe(p, len);
    if (q.slot->len == 0) {
      insert(*q.slot, q.lo, q.hi, q.hash, p, len, n);
    } else {
      q.slot->count += n;  // stop entries count too (no branch); total() leaves them out
    }
  }
  // The same for any string_view (copies it to a padded buffer first).
  void add(std::string_view w, uint64_t n = 1);

  // Occurrences of counted words (walks the table: call it once, at the end).
  uint64_t total() const;
  uint64_t distinct() const { return distinct_; }

  // Calls f(std::string_view word, uint64_t count) for every counted word, in no order.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.len != 0 && !s.stop) f(key_of(s), s.count);
    }
  }

  // Calls f(word, count) for every counted word in byte order, then forgets
  // them (reset()). Reorders the table in place: needs no extra memory.
  void take_sorted(const std::function<void(std::string_view, uint64_t)>& f);

  // Forgets every counted word; keeps the stop words and the allocated capacity.
  void reset();

  // How many times a long probe run made the table rebuild itself (for tests).
  uint64_t forced_rehashes() const { return rehashes_; }

 private:
  struct Slot {
    // len <= 16: the key bytes, zero padded. Longer: lo = kLongTag | arena offset, hi = 0.
    uint64_t lo;
    uint64_t hi;
    uint64_t count;
    uint32_t hash;
    uint16_t len;  // 0: empty slot (no word is empty)
    uint8_t stop;
    uint8_t unused;
  };
  // Marks a long key's lo: its top byte 0xFF never occurs in UTF-8, so no
  // short key has it.
  static constexpr uint64_t kLongTag = 0xFFull << 56;
  static_assert(sizeof(Slot) == 32);

  // The hash is keyed with a secret seed drawn from the kernel's CSPRNG
  // (getrandom) for every map, i.e. for every count. Why that is enough
  // against hash flooding: nobody outside ever sees a hash or the seed (the
  // result is ordered by count and word, not by slot), so colliding words must
  // be found offline without knowing the seed's random bits (128 of them
  // for short keys, all 256 for long ones). A short key's two
  // 8-byte halves are XORed with secret words and multiplied into 128 bits,
  // and the halves of the product are XORed (the core step of wyhash and
  // rapidhash). The table takes the low bits of that: bits 64 and up of
  // the product (multiply-shift hashing with a secret multiplier) XORed with
  // its low bits, so which slot a word lands in depends on every key bit and
  // on both secrets. (rapidhash adds a second keyed multiply so that all 64
  // bits avalanche; a table that uses 10 to 26 bits does not need it, and it
  // cost about 10% of the counting time on English text.) Long keys take
  // more rounds and that second multiply. A timing attack that learned
  // something about one seed would learn it about a map that no longer
  // exists. Probing stays bounded regardless: a probe run longer than
  // kMaxProbe makes the map rehash with a fresh seed (and grow, when it may).
  // Keys of more than 16 bytes: 16 more bytes per round, masked at the end.
  // p must have kKeyPadding readable bytes after the key (they are masked off).
  uint64_t hash_long(const char* p, size_t len) const {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    a ^= seed_[0];
    b ^= seed_[1];
    for (size_t i = 16; i < len; i += 16) {
      uint64_t c, d;
      std::memcpy(&c, p + i, 8);
      std::memcpy(&d, p + i + 8, 8);
      const size_t rest = len - i < 16 ? len - i : 16;
      a = mix(a, b) ^ (c & key_low_mask(rest)) ^ seed_[2];
      b = (d & key_high_mask(rest)) ^ seed_[3];
    }
    uint64_t lo, hi;
    multiply(a, b, lo, hi);
    return mix(lo ^ seed_[2] ^ len, hi ^ seed_[3]);
  }

  // The 128-bit product of a and b.
  static void multiply(uint64_t a, uint64_t b, uint64_t& lo, uint64_t& hi) {
#if defined(__x86_64__) && defined(__GNUC__)
    // GCC 12 sends a __uint128_t through the stack in the fast path's loop
    // (a store and a reload on every word's critical path); MUL does not.
    asm("mulq %[b]" : "=a"(lo), "=d"(hi) : "a"(a), [b] "r"(b) : "cc");
#else
    const __uint128_t r = static_cast<__uint128_t>(a) * b;
    lo = static_cast<uint64_t>(r);
    hi = static_cast<uint64_t>(r >> 64);
#endif
  }
  // The product's halves XORed.
  static uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t lo, hi;
    multiply(a, b, lo, hi);
    return lo ^ hi;
  }
  // The hash of a short key (see above), for the first two seed words.
  static uint64_t short_hash(const uint64_t* seed, uint64_t lo, uint64_t hi) { return mix(lo ^ seed[0], hi ^ seed[1]); }

  // The slot of a key, or the empty slot where it goes (last_probe_ says how far from home).
  Slot& find_short(uint64_t lo, uint64_t hi, uint64_t hash) {
    const size_t home = hash & mask_;
    for (size_t i = home;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.lo == lo && s.hi == hi) return s;
      if (s.len == 0) {
        last_probe_ = (i - home) & mask_;
        return s;
      }
    }
  }
  Slot& find_long(uint64_t hash, const char* p, size_t len) {
    const auto h32 = static_cast<uint32_t>(hash);
    const size_t home = hash & mask_;
    for (size_t i = home;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.len == 0) {
        last_probe_ = (i - home) & mask_;
        return s;
      }
      if (s.hash == h32 && s.len == len && std::memcmp(arena_.data() + (s.lo & ~kLongTag), p, len) == 0) return s;
    }
  }
  [[gnu::noinline]] void count_short_probing(uint64_t lo, uint64_t hi, uint64_t hash);
  // The slot of the len bytes at p (kKeyPadding readable after them), or the
  // empty one where they go, with what insert() needs.
  struct Probe {
    Slot* slot;
    uint64_t lo, hi, hash;  // lo, hi: the key of a short word (0 for a long one)
  };
  Probe probe(const char* p, size_t len) {
    if (len <= 16) {
      uint64_t lo, hi;
      load_short(p, len, lo, hi);
      const uint64_t h = hash_short(lo, hi);
      return Probe{&find_short(lo, hi, h), lo, hi, h};
    }
    const uint64_t h = hash_long(p, len);
    return Probe{&find_long(h, p, len), 0, 0, h};
  }

  void insert(Slot& s, uint64_t lo, uint64_t hi, uint64_t hash, const char* p, size_t len, uint64_t n);
  bool insert_stop(std::string_view w);
  // Returns f(p) for p holding w's bytes and kKeyPadding zero bytes after
  // them (on the stack for any key up to kMaxKeyBytes).
  template <class F>
  static decltype(auto) with_padded(std::string_view w, F&& f);
  // Whether doubling the table (old and new alive while copying) stays within the budget.
  bool may_grow() const {
    return spill_to_ == nullptr || slots_.size() * 3 * sizeof(Slot) + arena_.capacity() <= limit_;
  }
  // Makes room in the arena for the longest word, or spills when that would pass the budget.
  void reserve_arena();
  void grow();
  // Rebuilds the table with `slots` slots (a power of two), after drawing a new seed if asked.
  void rehash(size_t slots, bool reseed);
  // The hash of a stored key (used when rehashing with a new seed).
  uint64_t hash_of(const Slot& s) const;
  std::string_view key_of(const Slot& s) const {
    return s.len <= 16 ? std::string_view(reinterpret_cast<const char*>(&s.lo), s.len)
                       : std::string_view(arena_.data() + (s.lo & ~kLongTag), s.len);
  }

  // Longest probe run an insert may take before the table is rebuilt. At a
  // load of at most 1/2 with a random hash this is practically never reached.
  static constexpr size_t kMaxProbe = 96;
  // Longest key: 100 code points of 4 bytes, and a final 's.
  static constexpr size_t kMaxKeyBytes = 512;
  // Fewest words in a run when the budget is smaller than the initial table.
  static constexpr size_t kMinRunWords = 4;
  // The masks of a key of n bytes for its low and high half: one array, so
  // the window loop needs one register for both.
  static const uint64_t kKeyMasks[34];
  static uint64_t key_low_mask(size_t n) { return kKeyMasks[n]; }
  static uint64_t key_high_mask(size_t n) { return kKeyMasks[17 + n]; }

  uint64_t seed_[4];
  size_t last_probe_ = 0;
  uint64_t rehashes_ = 0;  // rebuilds forced by a long probe run
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t used_ = 0;  // occupied slots, stop words included
  std::string arena_;
  uint64_t distinct_ = 0;
  std::vector<std::string> stop_words_;
  size_t limit_ = 0;
  SpillTarget* spill_to_ = nullptr;
};

}  // namespace htut::wordcount
