// A delivery (one webhook request owed to one hook for one event) and its attempts.
//
// The request (method, URL, headers, body) is rendered once, when the event happens, and never
// changes: every attempt sends the same bytes with the same webhook id. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/run.h"

namespace runhook::core {

enum class DeliveryState {
  kPending,    // waiting for its next attempt (or its first)
  kDelivered,  // an attempt got a 2xx
  kFailed,     // permanently failed: unsendable request, refused destination, 410 Gone
  kDead,       // every attempt it was owed failed; can be redelivered by hand
};
std::string_view ToString(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(std::string_view text);

// A rendered request as people may see it: url, headers and body with every secret value that
// was rendered into them replaced by "***" (see server/secret_masking.h).
struct MaskedRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// What the server renders at an event, before the store assigns ids.
struct DeliveryDraft {
  std::string hook_name;
  std::string webhook_id;  // "msg_" + random; stable across retries; the Standard Webhooks id
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  double timeout_seconds = 15.0;
  int max_attempts = 0;                      // 0: as many as the dispatcher's retry schedule has
  std::vector<std::string> undefined_names;  // names the templates found undefined
  // Set when rendering failed: the delivery is stored as failed with this error, never sent.
  std::string render_error;
  bool is_test = false;
  // Set when secret values were rendered into the request: what the API and the run page show
  // instead of url, headers and body. The dispatcher sends the real request.
  std::optional<MaskedRequest> masked{};
};

struct Delivery {
  int64_t id = 0;
  RunKey run;
  int64_t event_id = 0;
  std::string event_type;
  DeliveryDraft request;
  DeliveryState state = DeliveryState::kPending;
  int attempt_count = 0;
  int64_t created_at_ms = 0;
  int64_t next_attempt_at_ms = 0;
  std::string last_error;
};

struct Attempt {
  int64_t id = 0;
  int64_t delivery_id = 0;
  int number = 0;  // 1-based
  int64_t started_at_ms = 0;
  int status_code = 0;  // 0 when no HTTP response was received
  double latency_ms = 0;
  std::string response_excerpt;  // at most the first 4 KiB of the response body
  std::string error;             // empty on a 2xx
};

// The event that caused deliveries.
struct Event {
  int64_t id = 0;
  RunKey run;
  std::string type;  // EventType name
  int64_t timestamp_ms = 0;
  Json payload = Json::object();  // e.g. {"exit_code": 1}
};

Json DeliveryToJson(const Delivery& delivery, const std::vector<Attempt>& attempts);
Json AttemptToJson(const Attempt& attempt);

// A new random webhook id: "msg_" followed by 24 base62 characters.
std::string GenerateWebhookId();

}  // namespace runhook::core
