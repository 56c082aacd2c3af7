// Regression tests for inputs the libFuzzer target (template_fuzz.cpp) found. Each test is named
// after the bug; the input is reduced to what triggers it.
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::templating {
namespace {

using testing::ErrorType;
using testing::Render;

// '%5555555555d' overflowed the int holding the width (UBSan: signed integer overflow).
TEST(FuzzRegression, PrintfWidthDigitsDoNotOverflow) {
  EXPECT_EQ(ErrorType("{{ '%55555555555555555555+d'|format(5) }}"), "ValueError");
  EXPECT_EQ(ErrorType("{{ '%.55555555555555555555f'|format(5) }}"), "ValueError");
  EXPECT_EQ(Render("{{ '%5d|%.2f'|format(5, 1.5) }}"), "    5|1.50");
}

TEST(FuzzRegression, FormatSpecDigitsDoNotOverflow) {
  EXPECT_EQ(ErrorType("{{ '{:55555555555555555555}'.format(5) }}"), "ValueError");
  EXPECT_EQ(ErrorType("{{ '{:.55555555555555555555}'.format(5.0) }}"), "ValueError");
  EXPECT_EQ(Render("{{ '{:>4}'.format(5) }}"), "   5");
}

// A '*' width took a non-int argument as an int.
TEST(FuzzRegression, PrintfStarWidthMustBeAnInt) {
  EXPECT_EQ(ErrorType("{{ '%*d'|format('x', 5) }}"), "TypeError");
  EXPECT_EQ(Render("{{ '%*d'|format(3, 5) }}"), "  5");
}

}  // namespace
}  // namespace runhook::templating
