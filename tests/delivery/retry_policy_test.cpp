// The schedule's retry decisions, with the jitter source fixed.
#include "delivery/retry_policy.h"

#include <gtest/gtest.h>

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using core::DeliveryState;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr double kNoJitter = 0.5;  // the factor 1: exactly the scheduled wait
constexpr double kLowest = 0.0;    // the factor 1 - jitter
constexpr double kHighest = 1.0;   // the factor 1 + jitter

core::Delivery MakeDelivery(int max_attempts = 0) {
  core::Delivery delivery;
  delivery.request.hook_name = "notify";
  delivery.request.webhook_id = "msg_1";
  delivery.request.url = "https://example.com/hook";
  delivery.request.max_attempts = max_attempts;
  return delivery;
}

AttemptVerdict Status(int status_code) {
  AttemptVerdict verdict;
  verdict.status_code = status_code;
  verdict.succeeded = status_code >= 200 && status_code < 300;
  if (!verdict.succeeded) verdict.error = "HTTP " + std::to_string(status_code);
  return verdict;
}

AttemptVerdict NetworkError(bool timed_out = false) {
  AttemptVerdict verdict;
  verdict.error = timed_out ? "Operation timed out" : "Couldn't connect (Connection refused)";
  verdict.timed_out = timed_out;
  return verdict;
}

RetryDecision Decide(const AttemptVerdict& verdict, int attempt_number = 1,
                     double random_unit = kNoJitter, int max_attempts = 0) {
  return DecideScheduledRetry(RetrySchedule::Default(), MakeDelivery(max_attempts), attempt_number,
                              verdict, kNow, random_unit);
}

TEST(DecideScheduledRetry, TwoHundredsAreDelivered) {
  EXPECT_EQ(Decide(Status(200)).state, DeliveryState::kDelivered);
  EXPECT_EQ(Decide(Status(204)).state, DeliveryState::kDelivered);
}

TEST(DecideScheduledRetry, ServerErrorWaitsTheScheduledDelay) {
  const RetryDecision first = Decide(Status(500), 1);
  EXPECT_EQ(first.state, DeliveryState::kPending);
  EXPECT_EQ(first.next_attempt_at_ms, kNow + 5'000);
  EXPECT_EQ(Decide(Status(500), 2).next_attempt_at_ms, kNow + 300'000);
  EXPECT_EQ(Decide(Status(503), 3).next_attempt_at_ms, kNow + 1'800'000);
}

TEST(DecideScheduledRetry, JitterStaysWithinTwentyPercent) {
  EXPECT_EQ(Decide(Status(500), 2, kLowest).next_attempt_at_ms, kNow + 240'000);
  EXPECT_EQ(Decide(Status(500), 2, kHighest).next_attempt_at_ms, kNow + 360'000);
  EXPECT_EQ(Decide(Status(500), 2, 0.75).next_attempt_at_ms, kNow + 330'000);
}

TEST(DecideScheduledRetry, NetworkErrorsAndRedirectsAreRetried) {
  EXPECT_EQ(Decide(NetworkError()).state, DeliveryState::kPending);
  EXPECT_EQ(Decide(NetworkError()).next_attempt_at_ms, kNow + 5'000);
  EXPECT_EQ(Decide(Status(301)).state, DeliveryState::kPending);
  EXPECT_EQ(Decide(Status(404)).state, DeliveryState::kPending);
}

TEST(DecideScheduledRetry, TimeoutWaitsAtLeastSixtySeconds) {
  const RetryDecision decision = Decide(NetworkError(/*timed_out=*/true), 1);
  EXPECT_EQ(decision.state, DeliveryState::kPending);
  EXPECT_EQ(decision.next_attempt_at_ms, kNow + 60'000);
  // A scheduled wait above the floor is kept.
  EXPECT_EQ(Decide(NetworkError(true), 2).next_attempt_at_ms, kNow + 300'000);
}

TEST(DecideScheduledRetry, TooManyRequestsWaitsAtLeastSixtySeconds) {
  EXPECT_EQ(Decide(Status(429), 1).next_attempt_at_ms, kNow + 60'000);
}

TEST(DecideScheduledRetry, RetryAfterIsClampedBetweenTheScheduledWaitAndTwiceIt) {
  AttemptVerdict verdict = Status(503);
  verdict.retry_after = "400";  // within [300 s, 600 s]
  EXPECT_EQ(Decide(verdict, 2).next_attempt_at_ms, kNow + 400'000);
  verdict.retry_after = "10";  // below: the scheduled wait
  EXPECT_EQ(Decide(verdict, 2).next_attempt_at_ms, kNow + 300'000);
  verdict.retry_after = "86400";  // above: twice the scheduled wait
  EXPECT_EQ(Decide(verdict, 2).next_attempt_at_ms, kNow + 600'000);
}

TEST(DecideScheduledRetry, RetryAfterClampsAroundTheJitteredWait) {
  AttemptVerdict verdict = Status(503);
  verdict.retry_after = "1000";
  EXPECT_EQ(Decide(verdict, 2, kLowest).next_attempt_at_ms, kNow + 480'000);  // 2 x 240 s
}

TEST(DecideScheduledRetry, RetryAfterAsAnHttpDateIsHonoured) {
  AttemptVerdict verdict = Status(503);
  // kNow is 2023-11-14T22:13:20Z; ask for 7 minutes later.
  verdict.retry_after = "Tue, 14 Nov 2023 22:20:20 GMT";
  EXPECT_EQ(Decide(verdict, 2).next_attempt_at_ms, kNow + 420'000);
}

TEST(DecideScheduledRetry, TooManyRequestsWithRetryAfterTakesTheClampThenTheFloor) {
  AttemptVerdict verdict = Status(429);
  verdict.retry_after = "30";
  // Clamped to [5 s, 10 s] gives 10 s; the 429 floor raises it to 60 s.
  EXPECT_EQ(Decide(verdict, 1).next_attempt_at_ms, kNow + 60'000);
  verdict.retry_after = "500";
  EXPECT_EQ(Decide(verdict, 2).next_attempt_at_ms, kNow + 500'000);
}

TEST(DecideScheduledRetry, UnreadableRetryAfterIsIgnored) {
  AttemptVerdict verdict = Status(503);
  verdict.retry_after = "later please";
  EXPECT_EQ(Decide(verdict, 2).next_attempt_at_ms, kNow + 300'000);
}

TEST(DecideScheduledRetry, LastAttemptOfTheScheduleIsDead) {
  EXPECT_EQ(Decide(Status(500), 7).state, DeliveryState::kPending);
  const RetryDecision decision = Decide(Status(500), 8);
  EXPECT_EQ(decision.state, DeliveryState::kDead);
  EXPECT_EQ(decision.error, "");  // the verdict's error stays the delivery's last error
}

TEST(DecideScheduledRetry, DeliveryMaxAttemptsOverridesTheScheduleCount) {
  EXPECT_EQ(Decide(Status(500), 2, kNoJitter, /*max_attempts=*/2).state, DeliveryState::kDead);
  EXPECT_EQ(Decide(Status(500), 1, kNoJitter, 1).state, DeliveryState::kDead);
  const RetryDecision beyond = Decide(Status(500), 9, kNoJitter, 12);
  EXPECT_EQ(beyond.state, DeliveryState::kPending);
  EXPECT_EQ(beyond.next_attempt_at_ms, kNow + 36'000'000);  // the last entry, 10 h
}

TEST(DecideScheduledRetry, GoneFailsAndDisablesTheHook) {
  const RetryDecision decision = Decide(Status(410));
  EXPECT_EQ(decision.state, DeliveryState::kFailed);
  EXPECT_EQ(decision.error,
            "HTTP 410 Gone: the receiver wants no more deliveries; hook 'notify' is now disabled "
            "for further events");
  EXPECT_EQ(decision.disable_hook_reason,
            "the receiver answered 410 Gone to delivery msg_1 (https://example.com/hook)");
}

TEST(DecideScheduledRetry, UnsendableRequestFailsAtOnce) {
  AttemptVerdict verdict = NetworkError();
  verdict.retryable = false;
  EXPECT_EQ(Decide(verdict).state, DeliveryState::kFailed);
}

TEST(MakeScheduledRetryPolicy, DrawsJitterFromTheGivenSource) {
  auto schedule = ParseRetrySchedule("0,10s,20s");
  ASSERT_TRUE(schedule.ok());
  RetryPolicy policy = MakeScheduledRetryPolicy(*schedule, [] { return 1.0; });
  EXPECT_EQ(policy(MakeDelivery(), 1, Status(500), kNow).next_attempt_at_ms, kNow + 12'000);
  EXPECT_EQ(policy(MakeDelivery(), 3, Status(500), kNow).state, DeliveryState::kDead);
}

TEST(MakeScheduledRetryPolicy, DefaultRandomSourceStaysWithinTheJitter) {
  RetryPolicy policy = MakeScheduledRetryPolicy(RetrySchedule::Default());
  for (int i = 0; i < 200; ++i) {
    const int64_t wait = policy(MakeDelivery(), 2, Status(500), kNow).next_attempt_at_ms - kNow;
    EXPECT_GE(wait, 240'000);
    EXPECT_LE(wait, 360'000);
  }
}

}  // namespace
}  // namespace runhook::delivery
