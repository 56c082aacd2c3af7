// Pure pieces of the dispatcher: judging an attempt, the response excerpt, the retry policy and
// the outgoing request.
#include "delivery/http_attempt.h"

#include <gtest/gtest.h>

#include "delivery/outgoing_request.h"
#include "delivery/retry_policy.h"

namespace runhook::delivery {
namespace {

using core::DeliveryState;

TEST(JudgeAttempt, TwoHundredsSucceed) {
  for (int status : {200, 201, 204, 299}) {
    HttpResult result;
    result.status_code = status;
    const AttemptVerdict verdict = JudgeAttempt(result);
    EXPECT_TRUE(verdict.succeeded) << status;
    EXPECT_EQ(verdict.error, "");
  }
}

TEST(JudgeAttempt, OtherStatusesFailNamingTheStatus) {
  for (int status : {100, 301, 404, 500}) {
    HttpResult result;
    result.status_code = status;
    const AttemptVerdict verdict = JudgeAttempt(result);
    EXPECT_FALSE(verdict.succeeded);
    EXPECT_EQ(verdict.error, "HTTP " + std::to_string(status));
  }
}

TEST(JudgeAttempt, TransportErrorFailsEvenAfterA200StatusLine) {
  HttpResult result;
  result.status_code = 200;
  result.transport_error = "Operation timed out after 300 milliseconds";
  const AttemptVerdict verdict = JudgeAttempt(result);
  EXPECT_FALSE(verdict.succeeded);
  EXPECT_EQ(verdict.error, result.transport_error);
}

TEST(MakeResponseExcerpt, KeepsShortTextAsIs) {
  EXPECT_EQ(MakeResponseExcerpt("hello, wörld"), "hello, wörld");
}

TEST(MakeResponseExcerpt, CutsAtTheLimit) {
  const std::string long_text(10'000, 'x');
  EXPECT_EQ(MakeResponseExcerpt(long_text), std::string(4096, 'x'));
}

TEST(MakeResponseExcerpt, DropsACharacterCutInHalf) {
  std::string text(4095, 'x');
  text += "\xC3\xA9";  // é straddles the limit
  EXPECT_EQ(MakeResponseExcerpt(text), std::string(4095, 'x'));
  EXPECT_EQ(MakeResponseExcerpt("ab\xE2\x82"), "ab");  // € cut off by the end of the prefix
}

TEST(MakeResponseExcerpt, ReplacesInvalidBytes) {
  EXPECT_EQ(MakeResponseExcerpt("a\xFF"
                                "b\xC0\xAF"
                                "c"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD"
            "c");
  EXPECT_EQ(MakeResponseExcerpt("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(MakeResponseExcerpt, BinaryStaysWithinTheLimit) {
  const std::string binary(4096, '\x80');
  const std::string excerpt = MakeResponseExcerpt(binary);
  EXPECT_LE(excerpt.size(), 4096u);
  EXPECT_EQ(excerpt.size() % 3, 0u);
}

core::Delivery DeliveryWithMaxAttempts(int max_attempts) {
  core::Delivery delivery;
  delivery.request.max_attempts = max_attempts;
  return delivery;
}

TEST(RetryImmediatelyWhileAttemptsRemain, SuccessIsDelivered) {
  const RetryDecision decision =
      RetryImmediatelyWhileAttemptsRemain(DeliveryWithMaxAttempts(1), 1, {true, ""}, 1000);
  EXPECT_EQ(decision.state, DeliveryState::kDelivered);
}

TEST(RetryImmediatelyWhileAttemptsRemain, FailureWithNoAttemptsLeftIsFailed) {
  const RetryDecision decision =
      RetryImmediatelyWhileAttemptsRemain(DeliveryWithMaxAttempts(2), 2, {false, "HTTP 500"}, 1000);
  EXPECT_EQ(decision.state, DeliveryState::kFailed);
}

TEST(RetryImmediatelyWhileAttemptsRemain, FailureWithAttemptsLeftIsDueNow) {
  const RetryDecision decision =
      RetryImmediatelyWhileAttemptsRemain(DeliveryWithMaxAttempts(3), 1, {false, "HTTP 500"}, 1234);
  EXPECT_EQ(decision.state, DeliveryState::kPending);
  EXPECT_EQ(decision.next_attempt_at_ms, 1234);
}

TEST(BuildOutgoingRequest, AddsUserAgentAndWebhookIdAfterTheStoredHeaders) {
  core::Delivery delivery;
  delivery.request.method = "PATCH";
  delivery.request.url = "https://example.com/x?y=1";
  delivery.request.headers = {{"Content-Type", "application/json"}};
  delivery.request.body = "{}";
  delivery.request.webhook_id = "msg_abc";
  delivery.request.timeout_seconds = 2.5;
  const HttpRequest request = BuildOutgoingRequest(delivery, "runhook/9");
  EXPECT_EQ(request.method, "PATCH");
  EXPECT_EQ(request.url, "https://example.com/x?y=1");
  EXPECT_EQ(request.body, "{}");
  EXPECT_EQ(request.timeout, std::chrono::milliseconds(2500));
  const decltype(request.headers) expected = {
      {"Content-Type", "application/json"}, {"User-Agent", "runhook/9"}, {"webhook-id", "msg_abc"}};
  EXPECT_EQ(request.headers, expected);
}

TEST(BuildOutgoingRequest, KeepsHeadersTheHookAlreadySet) {
  core::Delivery delivery;
  delivery.request.headers = {{"USER-AGENT", "mine"}, {"Webhook-Id", "msg_given"}};
  delivery.request.webhook_id = "msg_stored";
  const HttpRequest request = BuildOutgoingRequest(delivery, "runhook/9");
  EXPECT_EQ(request.headers, delivery.request.headers);
}

}  // namespace
}  // namespace runhook::delivery
