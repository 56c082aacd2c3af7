#include "delivery/http_attempt.h"

#include "core/utf8.h"

namespace runhook::delivery {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// True when `text` is the start of a valid multi-byte sequence that the end of `text` cut off.
bool IsCutOffSequence(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4;
  if (length == 0 || text.size() >= length) return false;
  for (size_t i = 1; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) return false;
  return true;
}

}  // namespace

AttemptVerdict JudgeAttempt(const HttpResult& result) {
  AttemptVerdict verdict;
  verdict.retryable = !result.unsendable;
  verdict.timed_out = result.timed_out;
  verdict.status_code = result.status_code;
  verdict.retry_after = result.retry_after;
  if (!result.transport_error.empty()) {
    verdict.error = result.transport_error;
  } else if (result.status_code >= 200 && result.status_code < 300) {
    verdict.succeeded = true;
  } else {
    verdict.error = "HTTP " + std::to_string(result.status_code);
  }
  return verdict;
}

std::string MakeResponseExcerpt(std::string_view raw, size_t limit) {
  std::string excerpt;
  excerpt.reserve(std::min(raw.size(), limit));
  size_t position = 0;
  while (position < raw.size()) {
    const size_t length = core::ValidUtf8SequenceLength(raw.substr(position));
    if (length > 0) {
      if (excerpt.size() + length > limit) break;
      excerpt.append(raw, position, length);
      position += length;
      continue;
    }
    // An invalid byte, or a sequence cut off by the end of `raw` (the raw prefix is itself a
    // cut of a longer body, so a trailing partial character is dropped, not replaced).
    if (IsCutOffSequence(raw.substr(position))) break;
    if (excerpt.size() + kReplacementCharacter.size() > limit) break;
    excerpt.append(kReplacementCharacter);
    ++position;
  }
  return excerpt;
}

core::Attempt MakeAttempt(int64_t delivery_id, int number, const HttpResult& result,
                          const AttemptVerdict& verdict) {
  core::Attempt attempt;
  attempt.delivery_id = delivery_id;
  attempt.number = number;
  attempt.started_at_ms = result.started_at_ms;
  attempt.status_code = result.status_code;
  attempt.latency_ms = result.latency_ms;
  attempt.response_excerpt = MakeResponseExcerpt(result.response_prefix);
  attempt.error = MakeResponseExcerpt(verdict.error);
  return attempt;
}

}  // namespace runhook::delivery
