// Reading a response's Retry-After header (RFC 9110 section 10.2.3): either a number of seconds
// or an HTTP date. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace runhook::delivery {

// The wait the header asks for, in milliseconds from `now_ms` (unix milliseconds): "120" is
// 120'000; "Wed, 21 Oct 2015 07:28:00 GMT" (or the obsolete RFC 850 and asctime date forms) is
// that time minus now, and 0 when the date has passed. nullopt when `value` is neither form.
std::optional<int64_t> ParseRetryAfterMillis(std::string_view value, int64_t now_ms);

}  // namespace runhook::delivery
