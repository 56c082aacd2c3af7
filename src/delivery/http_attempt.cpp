#include "delivery/http_attempt.h"

namespace runhook::delivery {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence starting at text[0], or 0 when it is invalid or cut
// off. Rejects overlong forms, surrogates and code points above U+10FFFF.
size_t ValidSequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

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
    const size_t length = ValidSequenceLength(raw.substr(position));
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
