// Durations as users write them: plain seconds ("2.5") or with a unit ("500ms", "3s", "5m",
// "2h"). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace runhook::core {

using Duration = std::chrono::microseconds;

// Returns nullopt when `text` is not a non-negative duration in one of the accepted forms.
std::optional<Duration> ParseDuration(std::string_view text);

double ToSeconds(Duration duration);
Duration FromSeconds(double seconds);

}  // namespace runhook::core
