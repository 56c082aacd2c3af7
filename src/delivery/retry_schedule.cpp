#include "delivery/retry_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/duration.h"

namespace runhook::delivery {
namespace {

using std::chrono::milliseconds;

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string FormatDelay(milliseconds delay) {
  const int64_t ms = delay.count();
  if (ms == 0) return "0";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

milliseconds RetrySchedule::DelayAfterAttempt(int attempt_number) const {
  if (delays.empty()) return milliseconds(0);
  const size_t index =
      std::min(static_cast<size_t>(std::max(attempt_number, 1)), delays.size() - 1);
  return delays[index];
}

RetrySchedule RetrySchedule::Default() {
  using namespace std::chrono_literals;
  RetrySchedule schedule;
  schedule.delays = {0ms, 5s, 5min, 30min, 2h, 5h, 10h, 10h};
  schedule.jitter = 0.2;
  return schedule;
}

Result<RetrySchedule> ParseRetrySchedule(std::string_view text) {
  RetrySchedule schedule;
  size_t position = 0;
  int item_number = 0;
  while (true) {
    const size_t comma = text.find(',', position);
    const std::string_view item =
        Trim(text.substr(position, comma == std::string_view::npos ? text.npos : comma - position));
    ++item_number;
    if (item.empty())
      return MakeError(ErrorCode::kInvalidArgument,
                       "retry schedule item " + std::to_string(item_number) +
                           " is empty (write durations separated by commas, e.g. 0,5s,5m)");
    std::optional<core::Duration> delay = core::ParseDuration(item);
    if (!delay)
      return MakeError(ErrorCode::kInvalidArgument,
                       "retry schedule item " + std::to_string(item_number) + " '" +
                           std::string(item) + "' is not a duration (e.g. 500ms, 5s, 5m, 2h)");
    schedule.delays.push_back(std::chrono::round<milliseconds>(*delay));
    if (comma == std::string_view::npos) break;
    position = comma + 1;
  }
  if (schedule.delays.front() != milliseconds(0))
    return MakeError(ErrorCode::kInvalidArgument,
                     "retry schedule item 1 is the first attempt, which is always immediate: "
                     "write 0 (e.g. 0,5s,5m)");
  return schedule;
}

std::string FormatRetrySchedule(const RetrySchedule& schedule) {
  std::string text;
  for (const milliseconds delay : schedule.delays) {
    if (!text.empty()) text += ',';
    text += FormatDelay(delay);
  }
  return text;
}

}  // namespace runhook::delivery
