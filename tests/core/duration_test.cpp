#include "core/duration.h"

#include <gtest/gtest.h>

namespace runhook::core {

TEST(Duration, ParsesPlainSecondsAndUnits) {
  EXPECT_DOUBLE_EQ(ToSeconds(*ParseDuration("2.5")), 2.5);
  EXPECT_DOUBLE_EQ(ToSeconds(*ParseDuration("500ms")), 0.5);
  EXPECT_DOUBLE_EQ(ToSeconds(*ParseDuration("3s")), 3);
  EXPECT_DOUBLE_EQ(ToSeconds(*ParseDuration("5m")), 300);
  EXPECT_DOUBLE_EQ(ToSeconds(*ParseDuration("2h")), 7200);
  EXPECT_DOUBLE_EQ(ToSeconds(*ParseDuration("0")), 0);
}

TEST(Duration, RejectsNonsense) {
  for (const char* text : {"", "ms", "-1", "1x", "1.2.3s", "nan", "1 s"})
    EXPECT_FALSE(ParseDuration(text)) << text;
}

}  // namespace runhook::core
