// Reading Retry-After: seconds or an HTTP date in any of its three forms.
#include "delivery/retry_after.h"

#include <gtest/gtest.h>

namespace runhook::delivery {
namespace {

// Sun, 06 Nov 1994 08:49:37 GMT
constexpr int64_t kNovember6Ms = 784111777'000;

TEST(ParseRetryAfterMillis, ReadsSeconds) {
  EXPECT_EQ(ParseRetryAfterMillis("120", 0), 120'000);
  EXPECT_EQ(ParseRetryAfterMillis(" 0 ", 0), 0);
}

TEST(ParseRetryAfterMillis, ReadsTheThreeHttpDateForms) {
  const int64_t now = kNovember6Ms - 30'000;
  EXPECT_EQ(ParseRetryAfterMillis("Sun, 06 Nov 1994 08:49:37 GMT", now), 30'000);
  EXPECT_EQ(ParseRetryAfterMillis("Sunday, 06-Nov-94 08:49:37 GMT", now), 30'000);
  EXPECT_EQ(ParseRetryAfterMillis("Sun Nov  6 08:49:37 1994", now), 30'000);
}

TEST(ParseRetryAfterMillis, DateInThePastMeansNow) {
  EXPECT_EQ(ParseRetryAfterMillis("Sun, 06 Nov 1994 08:49:37 GMT", kNovember6Ms + 5'000), 0);
}

TEST(ParseRetryAfterMillis, RefusesAnythingElse) {
  EXPECT_FALSE(ParseRetryAfterMillis("", 0).has_value());
  EXPECT_FALSE(ParseRetryAfterMillis("-5", 0).has_value());
  EXPECT_FALSE(ParseRetryAfterMillis("1.5", 0).has_value());
  EXPECT_FALSE(ParseRetryAfterMillis("soon", 0).has_value());
  EXPECT_FALSE(ParseRetryAfterMillis("Sun, 06 Nov 1994 08:49:37 GMT trailing", 0).has_value());
}

TEST(ParseRetryAfterMillis, HugeSecondsAreClampedNotOverflowed) {
  auto wait = ParseRetryAfterMillis("99999999999999999999999", 0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_GT(*wait, 0);
}

}  // namespace
}  // namespace runhook::delivery
