#include "core/utf8.h"

#include <cstdint>
#include <cstring>

namespace runhook::core {

size_t ValidUtf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t index) { return static_cast<unsigned char>(text[index]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below
    if (lead == 0xED) high = 0x9F;  // surrogates above
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t index = 2; index < length; ++index)
    if (byte(index) < 0x80 || byte(index) > 0xBF) return 0;
  return length;
}

size_t FindInvalidUtf8(std::string_view text) {
  size_t index = 0;
  while (index < text.size()) {
    if (index + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + index, sizeof(word));
      if ((word & 0x8080808080808080ULL) == 0) {
        index += 8;
        continue;
      }
    }
    const size_t length = ValidUtf8SequenceLength(text.substr(index));
    if (length == 0) return index;
    index += length;
  }
  return std::string_view::npos;
}

std::string RepairUtf8(std::string_view text) {
  std::string repaired;
  repaired.reserve(text.size() + 8);
  for (size_t index = 0; index < text.size();) {
    const size_t length = ValidUtf8SequenceLength(text.substr(index));
    if (length == 0) {
      repaired.append("\xEF\xBF\xBD");
      ++index;
    } else {
      repaired.append(text.substr(index, length));
      index += length;
    }
  }
  return repaired;
}

}  // namespace runhook::core
