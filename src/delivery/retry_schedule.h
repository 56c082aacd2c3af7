// RetrySchedule: when each attempt of a delivery is made, and how many attempts there are.
//
// `delays[i]` is the wait before attempt i+1, counted from the end of attempt i; the first
// entry stands for the first attempt, which is always immediate (the delivery is due when its
// event happens), so it must be 0. The default (DESIGN.md section 6) is
//   immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h   (8 attempts)
// with +-20% jitter on every wait. The server's `--retry-schedule` takes the text form:
//   ParseRetrySchedule("0,0.2s,0.5s")   // 3 attempts: now, 0.2 s later, 0.5 s after that
// each item a duration as core/duration.h reads it ("250ms", "5s", "5m", "2h", "1.5").
//
// Plain data and pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace runhook::delivery {

struct RetrySchedule {
  std::vector<std::chrono::milliseconds> delays;  // never empty; delays[0] == 0
  double jitter = 0.2;  // each wait is scaled by a factor drawn from [1 - jitter, 1 + jitter]

  // The attempts a delivery gets when its hook sets no max_attempts.
  int attempts() const { return static_cast<int>(delays.size()); }

  // The wait after attempt `attempt_number` (1-based) failed, before jitter. An attempt number
  // beyond the schedule (a hook's max_attempts may exceed it) waits as long as the last entry.
  // REQUIRES: attempt_number >= 1.
  std::chrono::milliseconds DelayAfterAttempt(int attempt_number) const;

  static RetrySchedule Default();
};

// Reads "0,5s,5m": comma-separated durations, spaces allowed around items. Errors
// (kInvalidArgument) name the item: "retry schedule item 2 '5x' is not a duration (e.g. 500ms,
// 5s, 5m, 2h)"; an empty list; a first item that is not 0.
Result<RetrySchedule> ParseRetrySchedule(std::string_view text);

// The text form ParseRetrySchedule reads, e.g. "0,5s,5m,30m,2h,5h,10h,10h".
std::string FormatRetrySchedule(const RetrySchedule& schedule);

}  // namespace runhook::delivery
