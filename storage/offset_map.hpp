#pragma once
// The cleaner's key -> latest offset map (Kafka's SkimpyOffsetMap). A key is kept only as its
// 128-bit MurmurHash3 (Kafka keeps an MD5), so an entry is 24 bytes whatever the key's size:
// open addressing with linear probing over {hash, offset} slots. The table starts small and
// doubles up to what `max_bytes` (log.cleaner.dedupe.buffer.size) allows; at most 90 % of
// those slots are used (Kafka's load factor), which is what has_room_for() checks. Two keys
// with the same 128-bit hash would make the older one look superseded: ~n^2 / 2^129, ignored
// as in Kafka.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cafka::storage {

class offset_map {
public:
  static constexpr size_t slot_bytes = 24;

  explicit offset_map(uint64_t max_bytes);

  // Records offset as the latest for key. The cleaner walks forward, so a later put wins.
  void put(std::string_view key, int64_t offset);
  // The latest offset put for key, or -1.
  int64_t get(std::string_view key) const noexcept;

  size_t size() const noexcept { return size_; }
  size_t max_entries() const noexcept { return max_entries_; }
  // Whether n more distinct keys are sure to fit.
  bool has_room_for(size_t n) const noexcept { return size_ + n <= max_entries_; }
  uint64_t memory_bytes() const noexcept { return slots_.size() * slot_bytes; }

private:
  struct slot {
    uint64_t h1;
    uint64_t h2;
    int64_t offset; // -1: empty
  };

  void grow();
  size_t find(uint64_t h1, uint64_t h2) const noexcept; // the slot holding the hash, or empty

  std::vector<slot> slots_;
  size_t size_ = 0;
  size_t max_slots_;   // power of two, what max_bytes allows
  size_t max_entries_; // 90 % of max_slots_
};

// MurmurHash3 x64 128 (Austin Appleby, public domain) of key, seed 0.
void murmur3_128(std::string_view key, uint64_t& h1, uint64_t& h2) noexcept;

} // namespace cafka::storage
