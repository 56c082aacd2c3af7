// RetryPolicy: decides a delivery's state after one attempt. The dispatcher calls it on its
// sending thread for every completed attempt and records what it returns.
//
// This first slice has no backoff: RetryImmediatelyWhileAttemptsRemain. The retry schedule
// (DESIGN.md section 6: exponential backoff with jitter, Retry-After, `dead` when exhausted)
// plugs in here as another RetryPolicy.
#pragma once

#include <cstdint>
#include <functional>

#include "core/delivery.h"
#include "delivery/http_attempt.h"

namespace runhook::delivery {

struct RetryDecision {
  core::DeliveryState state = core::DeliveryState::kFailed;
  int64_t next_attempt_at_ms = 0;  // only meaningful for kPending
};

// `attempt_number` is the 1-based number of the attempt just made; `now_ms` is wall-clock unix
// milliseconds. Must be callable from the sending thread; must not block.
using RetryPolicy = std::function<RetryDecision(const core::Delivery& delivery, int attempt_number,
                                                const AttemptVerdict& verdict, int64_t now_ms)>;

// Success: delivered. Failure: pending again, due at `now_ms`, while the delivery's
// max_attempts exceeds `attempt_number`; failed once it does not.
RetryDecision RetryImmediatelyWhileAttemptsRemain(const core::Delivery& delivery,
                                                  int attempt_number, const AttemptVerdict& verdict,
                                                  int64_t now_ms);

}  // namespace runhook::delivery
