#include "delivery/retry_after.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace runhook::delivery {
namespace {

constexpr int64_t kMaxSeconds = int64_t{10} * 365 * 24 * 3600;  // beyond this, clamp

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::optional<int64_t> ParseSeconds(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      }))
    return std::nullopt;
  int64_t seconds = 0;
  for (char digit : text) {
    seconds = seconds * 10 + (digit - '0');
    if (seconds > kMaxSeconds) return kMaxSeconds;
  }
  return seconds;
}

// Unix seconds of an HTTP date in any of the three forms RFC 9110 accepts.
std::optional<int64_t> ParseHttpDate(const std::string& text) {
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850:     Sunday, 06-Nov-94 08:49:37 GMT
      "%a %b %e %H:%M:%S %Y",       // asctime:     Sun Nov  6 08:49:37 1994
  };
  for (const char* format : kFormats) {
    tm parts{};
    const char* end = strptime(text.c_str(), format, &parts);
    if (end == nullptr || *end != '\0') continue;
    return static_cast<int64_t>(timegm(&parts));
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> ParseRetryAfterMillis(std::string_view value, int64_t now_ms) {
  const std::string_view text = Trim(value);
  if (std::optional<int64_t> seconds = ParseSeconds(text)) return *seconds * 1000;
  std::optional<int64_t> date = ParseHttpDate(std::string(text));
  if (!date) return std::nullopt;
  return std::clamp<int64_t>(*date * 1000 - now_ms, 0, kMaxSeconds * 1000);
}

}  // namespace runhook::delivery
