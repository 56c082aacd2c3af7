// Python-exact printing of values.
#include <gtest/gtest.h>

#include "template/printing.h"
#include "test_support.h"

namespace runhook::templating {
namespace {

using testing::Render;

TEST(FormatFloat, MatchesPythonRepr) {
  EXPECT_EQ(FormatFloat(1.0), "1.0");
  EXPECT_EQ(FormatFloat(1e-05), "1e-05");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(1e16), "1e+16");
  EXPECT_EQ(FormatFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(FormatFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatFloat(-0.0), "-0.0");
  EXPECT_EQ(FormatFloat(1.5e300), "1.5e+300");
  EXPECT_EQ(FormatFloat(123456789.125), "123456789.125");
  EXPECT_EQ(FormatFloat(5e-324), "5e-324");
}

TEST(Printing, ScalarsAsPythonStr) {
  EXPECT_EQ(Render("{{ 1 }}|{{ 1.0 }}|{{ true }}|{{ none }}|{{ 'x' }}"), "1|1.0|True|None|x");
  EXPECT_EQ(Render("{{ x }}", R"({"x": 2.5e-7})"), "2.5e-07");
  EXPECT_EQ(Render("{{ x }}", R"({"x": 9007199254740993})"), "9007199254740993");
}

TEST(Printing, ContainersAsPythonRepr) {
  EXPECT_EQ(Render("{{ [1, 'a', none, 2.0, [true]] }}"), "[1, 'a', None, 2.0, [True]]");
  EXPECT_EQ(Render("{{ {'a': 1, 'b': 'x'} }}"), "{'a': 1, 'b': 'x'}");
  EXPECT_EQ(Render("{{ (1,) }}|{{ () }}|{{ (1, 2) }}"), "(1,)|()|(1, 2)");
  EXPECT_EQ(Render(R"({{ ["it's", 'say "hi"', "both ' \""] }})"),
            R"(["it's", 'say "hi"', 'both \' "'])");
  EXPECT_EQ(Render("{{ ['a\\nb', '\\x01', 'é'] }}"), "['a\\nb', '\\x01', 'é']");
}

TEST(Printing, KeepsJsonObjectOrder) {
  EXPECT_EQ(Render("{{ x }}", R"({"x": {"z": 1, "a": [1.5, null]}})"),
            "{'z': 1, 'a': [1.5, None]}");
}

// Integers are 64-bit: a larger one in the context is an error where it is used, not a float.
TEST(Printing, ContextIntegerAboveInt64IsAnOverflowError) {
  EXPECT_EQ(Render("{{ x }}", R"({"x": 9223372036854775807})"), "9223372036854775807");
  EXPECT_EQ(testing::ErrorType("{{ x }}", R"({"x": 9223372036854775808})"), "OverflowError");
  EXPECT_EQ(testing::ErrorType("{{ l|sum }}", R"({"l": [1, 12345678901234567890]})"),
            "OverflowError");
  EXPECT_EQ(Render("{{ l|length }}", R"({"l": [1, 12345678901234567890]})"), "2");
}

}  // namespace
}  // namespace runhook::templating
