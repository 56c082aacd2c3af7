// The retry schedule: its default and its text form (the server's --retry-schedule).
#include "delivery/retry_schedule.h"

#include <gtest/gtest.h>

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(RetrySchedule, DefaultIsTheDesignSchedule) {
  const RetrySchedule schedule = RetrySchedule::Default();
  const std::vector<milliseconds> expected = {0ms, 5s, 5min, 30min, 2h, 5h, 10h, 10h};
  EXPECT_EQ(schedule.delays, expected);
  EXPECT_EQ(schedule.attempts(), 8);
  EXPECT_DOUBLE_EQ(schedule.jitter, 0.2);
  EXPECT_EQ(FormatRetrySchedule(schedule), "0,5s,5m,30m,2h,5h,10h,10h");
}

TEST(RetrySchedule, DelayAfterAttemptCountsFromTheAttemptJustMade) {
  const RetrySchedule schedule = RetrySchedule::Default();
  EXPECT_EQ(schedule.DelayAfterAttempt(1), 5s);
  EXPECT_EQ(schedule.DelayAfterAttempt(2), 5min);
  EXPECT_EQ(schedule.DelayAfterAttempt(7), 10h);
}

TEST(RetrySchedule, AttemptsBeyondTheScheduleWaitAsLongAsTheLastEntry) {
  const RetrySchedule schedule = RetrySchedule::Default();
  EXPECT_EQ(schedule.DelayAfterAttempt(8), 10h);
  EXPECT_EQ(schedule.DelayAfterAttempt(50), 10h);
}

TEST(ParseRetrySchedule, ReadsCommaSeparatedDurations) {
  auto schedule = ParseRetrySchedule("0,0.2s,0.5s");
  ASSERT_TRUE(schedule.ok()) << schedule.error().message;
  const std::vector<milliseconds> expected = {0ms, 200ms, 500ms};
  EXPECT_EQ(schedule->delays, expected);
  EXPECT_EQ(schedule->attempts(), 3);
  EXPECT_DOUBLE_EQ(schedule->jitter, 0.2);
}

TEST(ParseRetrySchedule, AcceptsUnitsPlainSecondsAndSpaces) {
  auto schedule = ParseRetrySchedule(" 0 , 250ms, 2, 5m ,1h ");
  ASSERT_TRUE(schedule.ok()) << schedule.error().message;
  const std::vector<milliseconds> expected = {0ms, 250ms, 2s, 5min, 1h};
  EXPECT_EQ(schedule->delays, expected);
}

TEST(ParseRetrySchedule, SingleZeroMeansOneAttempt) {
  auto schedule = ParseRetrySchedule("0");
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(schedule->attempts(), 1);
}

TEST(ParseRetrySchedule, RoundTripsThroughTheTextForm) {
  auto schedule = ParseRetrySchedule("0,1500ms,5s,5m,2h");
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(FormatRetrySchedule(*schedule), "0,1500ms,5s,5m,2h");
}

TEST(ParseRetrySchedule, NamesTheItemThatIsNotADuration) {
  auto schedule = ParseRetrySchedule("0,5s,5x");
  ASSERT_FALSE(schedule.ok());
  EXPECT_EQ(schedule.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(schedule.error().message,
            "retry schedule item 3 '5x' is not a duration (e.g. 500ms, 5s, 5m, 2h)");
}

TEST(ParseRetrySchedule, RefusesEmptyItemsAndAnEmptyList) {
  EXPECT_EQ(ParseRetrySchedule("").error().message,
            "retry schedule item 1 is empty (write durations separated by commas, e.g. 0,5s,5m)");
  EXPECT_FALSE(ParseRetrySchedule("0,,5s").ok());
  EXPECT_FALSE(ParseRetrySchedule("0,5s,").ok());
}

TEST(ParseRetrySchedule, RefusesNegativeDurations) {
  EXPECT_FALSE(ParseRetrySchedule("0,-5s").ok());
}

TEST(ParseRetrySchedule, FirstItemMustBeZeroBecauseTheFirstAttemptIsImmediate) {
  auto schedule = ParseRetrySchedule("5s,5m");
  ASSERT_FALSE(schedule.ok());
  EXPECT_EQ(schedule.error().message,
            "retry schedule item 1 is the first attempt, which is always immediate: write 0 "
            "(e.g. 0,5s,5m)");
}

}  // namespace
}  // namespace runhook::delivery
