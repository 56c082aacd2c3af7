// Hashes of context names and dotted context paths (`run.project.name`), computed the same way
// by the parser (Expression::context_path_hash) and by PreparedContext's index. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace runhook::templating {

// A hash of one key or name: a few word loads, as the keys of a render context are short.
inline uint64_t HashKey(std::string_view key) {
  constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;
  uint64_t hash = (key.size() + 1) * kMultiplier;
  const char* data = key.data();
  size_t size = key.size();
  for (; size >= 8; size -= 8, data += 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    hash = (hash ^ word) * kMultiplier;
  }
  if (size >= 4) {  // 4 to 7 bytes: the first four and the last four, overlapping
    uint32_t first, last;
    std::memcpy(&first, data, 4);
    std::memcpy(&last, data + size - 4, 4);
    hash = (hash ^ (first | (static_cast<uint64_t>(last) << 32))) * kMultiplier;
  } else if (size > 0) {
    uint64_t bytes = static_cast<unsigned char>(data[0]) |
                     (static_cast<uint64_t>(static_cast<unsigned char>(data[size / 2])) << 8) |
                     (static_cast<uint64_t>(static_cast<unsigned char>(data[size - 1])) << 16);
    hash = (hash ^ bytes) * kMultiplier;
  }
  return hash ^ (hash >> 29);
}

// The hash of the path `parent_hash` + "." + `key`; ContextPathHash(0, name) for a top-level
// name. Never 0 (0 means "no path" in Expression::context_path_hash).
inline uint64_t ContextPathHash(uint64_t parent_hash, std::string_view key) {
  uint64_t hash = ((parent_hash << 31 | parent_hash >> 33) ^ HashKey(key)) * 0xD6E8FEB86659FD93ULL;
  return (hash ^ (hash >> 32)) | 1;
}

}  // namespace runhook::templating
