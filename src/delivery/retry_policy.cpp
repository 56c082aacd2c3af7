#include "delivery/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>

#include "delivery/retry_after.h"

namespace runhook::delivery {
namespace {

using std::chrono::milliseconds;

constexpr int kGoneStatus = 410;
constexpr int kTooManyRequestsStatus = 429;

milliseconds Jittered(milliseconds delay, double jitter, double random_unit) {
  const double unit = std::clamp(random_unit, 0.0, 1.0);
  const double factor = 1.0 + std::clamp(jitter, 0.0, 1.0) * (2.0 * unit - 1.0);
  return milliseconds(std::llround(static_cast<double>(delay.count()) * factor));
}

}  // namespace

int EffectiveMaxAttempts(const RetrySchedule& schedule, const core::Delivery& delivery) {
  if (delivery.request.max_attempts > 0) return delivery.request.max_attempts;
  return std::max(schedule.attempts(), 1);
}

RetryDecision DecideScheduledRetry(const RetrySchedule& schedule, const core::Delivery& delivery,
                                   int attempt_number, const AttemptVerdict& verdict,
                                   int64_t now_ms, double random_unit) {
  RetryDecision decision;
  if (verdict.succeeded) {
    decision.state = core::DeliveryState::kDelivered;
    return decision;
  }
  if (verdict.status_code == kGoneStatus) {
    decision.state = core::DeliveryState::kFailed;
    decision.error = "HTTP 410 Gone: the receiver wants no more deliveries; hook '" +
                     delivery.request.hook_name + "' is now disabled for further events";
    decision.disable_hook_reason = "the receiver answered 410 Gone to delivery " +
                                   delivery.request.webhook_id + " (" + delivery.request.url + ")";
    return decision;
  }
  if (!verdict.retryable) {
    decision.state = core::DeliveryState::kFailed;
    return decision;
  }
  if (attempt_number >= EffectiveMaxAttempts(schedule, delivery)) {
    decision.state = core::DeliveryState::kDead;
    return decision;
  }
  const milliseconds scheduled =
      Jittered(schedule.DelayAfterAttempt(attempt_number), schedule.jitter, random_unit);
  milliseconds wait = scheduled;
  if (!verdict.retry_after.empty()) {
    if (std::optional<int64_t> asked = ParseRetryAfterMillis(verdict.retry_after, now_ms))
      wait = std::clamp(milliseconds(*asked), scheduled, 2 * scheduled);
  }
  if (verdict.timed_out || verdict.status_code == kTooManyRequestsStatus)
    wait = std::max(wait, kSlowDownFloor);
  decision.state = core::DeliveryState::kPending;
  decision.next_attempt_at_ms = now_ms + wait.count();
  return decision;
}

RetryPolicy MakeScheduledRetryPolicy(RetrySchedule schedule, std::function<double()> random_unit) {
  if (!random_unit) {
    // Shared by the copies of the returned function; used from one thread only.
    auto generator = std::make_shared<std::mt19937_64>(std::random_device{}());
    random_unit = [generator] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(*generator);
    };
  }
  return [schedule = std::move(schedule), random_unit = std::move(random_unit)](
             const core::Delivery& delivery, int attempt_number, const AttemptVerdict& verdict,
             int64_t now_ms) {
    return DecideScheduledRetry(schedule, delivery, attempt_number, verdict, now_ms, random_unit());
  };
}

RetryDecision RetryImmediatelyWhileAttemptsRemain(const core::Delivery& delivery,
                                                  int attempt_number, const AttemptVerdict& verdict,
                                                  int64_t now_ms) {
  if (verdict.succeeded) return {core::DeliveryState::kDelivered, 0};
  if (delivery.request.max_attempts > attempt_number)
    return {core::DeliveryState::kPending, now_ms};
  return {core::DeliveryState::kFailed, 0};
}

}  // namespace runhook::delivery
