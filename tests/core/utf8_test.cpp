#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace runhook::core {
namespace {

TEST(Utf8, SequenceLengthsOfValidCharacters) {
  EXPECT_EQ(ValidUtf8SequenceLength("a"), 1u);
  EXPECT_EQ(ValidUtf8SequenceLength("\xC3\xA9"), 2u);          // é
  EXPECT_EQ(ValidUtf8SequenceLength("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(ValidUtf8SequenceLength("\xF0\x9F\x98\x80"), 4u);  // 😀
  EXPECT_EQ(ValidUtf8SequenceLength("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF
}

TEST(Utf8, InvalidFormsHaveNoLength) {
  EXPECT_EQ(ValidUtf8SequenceLength("\x80"), 0u);              // a continuation byte first
  EXPECT_EQ(ValidUtf8SequenceLength("\xC0\xAF"), 0u);          // overlong
  EXPECT_EQ(ValidUtf8SequenceLength("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(ValidUtf8SequenceLength("\xED\xA0\x80"), 0u);      // a surrogate
  EXPECT_EQ(ValidUtf8SequenceLength("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(ValidUtf8SequenceLength("\xE2\x82"), 0u);          // cut off
  EXPECT_EQ(ValidUtf8SequenceLength("\xC3\x41"), 0u);          // not a continuation
}

TEST(Utf8, FindsTheFirstInvalidByteAfterLongAsciiRuns) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii text, longer than eight bytes"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("caf\xC3\xA9 and more text"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("0123456789abcdef\xFF"), 16u);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);
}

TEST(Utf8, RepairReplacesEachInvalidByte) {
  EXPECT_EQ(RepairUtf8("a\xFF"
                       "b\xC3\xA9"),
            "a\xEF\xBF\xBD"
            "b\xC3\xA9");
  EXPECT_EQ(RepairUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(RepairUtf8("ok"), "ok");
}

}  // namespace
}  // namespace runhook::core
