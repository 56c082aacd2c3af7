// One HTTP attempt as the dispatcher sees it: the request to send, what came back, and how the
// outcome is judged and turned into the attempt the store records.
//
// Plain data and pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/delivery.h"

namespace runhook::delivery {

// How much of a response body an attempt keeps (DESIGN.md section 6: "first 4 KiB").
inline constexpr size_t kResponseExcerptLimit = 4096;

// A request exactly as it goes on the wire: the sender adds nothing a receiver would see except
// what libcurl needs to frame it (Host, Content-Length).
struct HttpRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE (any token is passed through)
  std::string url;     // http or https; other schemes are refused by the sender
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{15'000};  // the whole attempt: connect, send, receive
};

// What came back from one request.
struct HttpResult {
  int64_t started_at_ms = 0;    // wall clock when the request was handed to the sender
  int status_code = 0;          // 0 when no HTTP status line was received
  double latency_ms = 0;        // from hand-off to completion
  std::string response_prefix;  // the first kResponseExcerptLimit bytes of the body, raw
  std::string transport_error;  // non-empty when the transfer failed (connect, timeout, TLS...)
  bool timed_out = false;       // the transfer hit the request's timeout
  // The request was refused before anything was sent (a scheme other than http/https, a
  // malformed URL, a header with a line break, a destination the DestinationPolicy refuses):
  // sending it again cannot succeed.
  bool unsendable = false;
  std::string retry_after;  // the final response's Retry-After header value; "" when absent
};

struct AttemptVerdict {
  bool succeeded = false;
  std::string error{};  // empty on success
  // Additions for the retry policy, copied from the HttpResult.
  bool retryable = true;      // false when no later attempt can succeed (unsendable)
  bool timed_out = false;     // the attempt timed out
  int status_code = 0;        // 0 when no HTTP status was received
  std::string retry_after{};  // the Retry-After header, "" when absent
};

// Success is a 2xx with no transport error. The error is the transport error when there is one
// (a timeout after the status line arrived is still a failure), otherwise "HTTP <status>".
// Redirects are failures like any other non-2xx (they are never followed).
AttemptVerdict JudgeAttempt(const HttpResult& result);

// `raw` made safe to store and show: at most `limit` bytes of valid UTF-8. An incomplete
// sequence at the end is dropped; each invalid byte becomes U+FFFD while it fits.
std::string MakeResponseExcerpt(std::string_view raw, size_t limit = kResponseExcerptLimit);

// The attempt record for the store.
core::Attempt MakeAttempt(int64_t delivery_id, int number, const HttpResult& result,
                          const AttemptVerdict& verdict);

}  // namespace runhook::delivery
