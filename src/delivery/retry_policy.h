// RetryPolicy: decides a delivery's state after one attempt. The dispatcher calls it on its
// sending thread for every completed attempt and records what it returns.
//
// The dispatcher's policy is the retry schedule (retry_schedule.h), DecideScheduledRetry:
//   - a 2xx is delivered;
//   - a 410 Gone fails the delivery and disables its hook for further events;
//   - a request that cannot be sent (unsendable) fails at once;
//   - anything else (network error, timeout, any other status, a redirect) is retried after the
//     schedule's wait with jitter, while attempts remain; then the delivery is dead.
//     A Retry-After header is honoured, clamped to between the jittered wait and twice it; a
//     timeout or a 429 waits at least kSlowDownFloor.
// The delivery's max_attempts, when above 0, overrides the schedule's number of attempts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/delivery.h"
#include "delivery/http_attempt.h"
#include "delivery/retry_schedule.h"

namespace runhook::delivery {

// The least wait after a timeout or a 429 Too Many Requests.
inline constexpr std::chrono::milliseconds kSlowDownFloor{60'000};

struct RetryDecision {
  core::DeliveryState state = core::DeliveryState::kFailed;
  int64_t next_attempt_at_ms = 0;     // only meaningful for kPending
  std::string error{};                // the delivery's last_error; empty: the verdict's error
  std::string disable_hook_reason{};  // non-empty: disable the delivery's hook (a 410)
};

// `attempt_number` is the 1-based number of the attempt just made; `now_ms` is wall-clock unix
// milliseconds. Must be callable from the sending thread; must not block.
using RetryPolicy = std::function<RetryDecision(const core::Delivery& delivery, int attempt_number,
                                                const AttemptVerdict& verdict, int64_t now_ms)>;

// The schedule's decision (see the top of this file). `random_unit` in [0, 1) picks the jitter
// factor: 0 gives 1 - jitter, 0.5 gives exactly the scheduled wait, just under 1 gives
// 1 + jitter. Pure.
RetryDecision DecideScheduledRetry(const RetrySchedule& schedule, const core::Delivery& delivery,
                                   int attempt_number, const AttemptVerdict& verdict,
                                   int64_t now_ms, double random_unit);

// The attempts `delivery` gets: its max_attempts when above 0, else the schedule's count.
int EffectiveMaxAttempts(const RetrySchedule& schedule, const core::Delivery& delivery);

// A RetryPolicy on `schedule`, drawing jitter from `random_unit` (values in [0, 1); called only
// from the thread that calls the policy). A null `random_unit` uses a seeded Mersenne Twister.
RetryPolicy MakeScheduledRetryPolicy(RetrySchedule schedule,
                                     std::function<double()> random_unit = nullptr);

// The first slice's policy, kept for callers that want no backoff. Success: delivered.
// Failure: pending again, due at `now_ms`, while the delivery's max_attempts exceeds
// `attempt_number`; failed once it does not.
RetryDecision RetryImmediatelyWhileAttemptsRemain(const core::Delivery& delivery,
                                                  int attempt_number, const AttemptVerdict& verdict,
                                                  int64_t now_ms);

}  // namespace runhook::delivery
