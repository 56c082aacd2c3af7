// UTF-8 validity checks shared by the parts that must not pass invalid text on: the history
// decoder (which refuses it), the SDK's writer (which repairs it) and attempt logs (which keep a
// readable excerpt of a receiver's answer).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace runhook::core {

// The length (1-4) of the valid UTF-8 sequence at the start of `text`, or 0 when it is not one:
// an invalid lead or continuation byte, an overlong form, a surrogate, a code point above
// U+10FFFF, or a sequence cut off by the end of `text`. REQUIRES: `text` is not empty.
size_t ValidUtf8SequenceLength(std::string_view text);

// The offset of the first byte of `text` that does not start a valid sequence, or npos when all
// of `text` is valid UTF-8. Checks ASCII eight bytes at a time.
size_t FindInvalidUtf8(std::string_view text);

// `text` with each byte that does not start a valid sequence replaced by U+FFFD.
std::string RepairUtf8(std::string_view text);

}  // namespace runhook::core
