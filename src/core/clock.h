// Wall-clock time as unix milliseconds, and ISO 8601 formatting. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace runhook::core {

int64_t NowUnixMillis();

// "2026-11-27T10:21:24.123Z" (UTC, millisecond precision).
std::string FormatIso8601(int64_t unix_millis);

}  // namespace runhook::core
