#include "delivery/retry_policy.h"

namespace runhook::delivery {

RetryDecision RetryImmediatelyWhileAttemptsRemain(const core::Delivery& delivery,
                                                  int attempt_number, const AttemptVerdict& verdict,
                                                  int64_t now_ms) {
  if (verdict.succeeded) return {core::DeliveryState::kDelivered, 0};
  if (delivery.request.max_attempts > attempt_number)
    return {core::DeliveryState::kPending, now_ms};
  return {core::DeliveryState::kFailed, 0};
}

}  // namespace runhook::delivery
