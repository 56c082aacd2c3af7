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
};

struct AttemptVerdict {
  bool succeeded = false;
  std::string error;  // empty on success
};

// Success is a 2xx with no transport error. The error is the transport error when there is one
// (a timeout after the status line arrived is still a failure), otherwise "HTTP <status>".
AttemptVerdict JudgeAttempt(const HttpResult& result);

// `raw` made safe to store and show: at most `limit` bytes of valid UTF-8. An incomplete
// sequence at the end is dropped; each invalid byte becomes U+FFFD while it fits.
std::string MakeResponseExcerpt(std::string_view raw, size_t limit = kResponseExcerptLimit);

// The attempt record for the store.
core::Attempt MakeAttempt(int64_t delivery_id, int number, const HttpResult& result,
                          const AttemptVerdict& verdict);

}  // namespace runhook::delivery
