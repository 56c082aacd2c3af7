#include "core/delivery.h"

#include <array>
#include <random>

#include "core/clock.h"

namespace runhook::core {
namespace {
constexpr std::array<std::pair<DeliveryState, std::string_view>, 4> kNames = {{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kDelivered, "delivered"},
    {DeliveryState::kFailed, "failed"},
    {DeliveryState::kDead, "dead"},
}};
}  // namespace

std::string_view ToString(DeliveryState state) {
  for (const auto& [value, name] : kNames)
    if (value == state) return name;
  return "unknown";
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view text) {
  for (const auto& [value, name] : kNames)
    if (name == text) return value;
  return std::nullopt;
}

Json AttemptToJson(const Attempt& attempt) {
  return Json{{"id", attempt.id},
              {"number", attempt.number},
              {"started_at", FormatIso8601(attempt.started_at_ms)},
              {"status_code", attempt.status_code ? Json(attempt.status_code) : Json(nullptr)},
              {"latency_ms", attempt.latency_ms},
              {"response", attempt.response_excerpt},
              {"error", attempt.error.empty() ? Json(nullptr) : Json(attempt.error)}};
}

Json DeliveryToJson(const Delivery& delivery, const std::vector<Attempt>& attempts) {
  Json headers = Json::object();
  for (const auto& [key, value] : delivery.request.headers) headers[key] = value;
  Json attempt_list = Json::array();
  for (const auto& attempt : attempts) attempt_list.push_back(AttemptToJson(attempt));
  return Json{{"id", delivery.id},
              {"webhook_id", delivery.request.webhook_id},
              {"run_id", delivery.run.id},
              {"entity", delivery.run.entity},
              {"project", delivery.run.project},
              {"event", delivery.event_type},
              {"event_id", delivery.event_id},
              {"hook", delivery.request.hook_name},
              {"state", ToString(delivery.state)},
              {"method", delivery.request.method},
              {"url", delivery.request.url},
              {"headers", headers},
              {"body", delivery.request.body},
              {"undefined", delivery.request.undefined_names},
              {"test", delivery.request.is_test},
              {"attempt_count", delivery.attempt_count},
              {"max_attempts", delivery.request.max_attempts},
              {"created_at", FormatIso8601(delivery.created_at_ms)},
              {"next_attempt_at", delivery.state == DeliveryState::kPending
                                      ? Json(FormatIso8601(delivery.next_attempt_at_ms))
                                      : Json(nullptr)},
              {"error", delivery.last_error.empty() ? Json(nullptr) : Json(delivery.last_error)},
              {"attempts", attempt_list}};
}

std::string GenerateWebhookId() {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string id = "msg_";
  for (int i = 0; i < 24; ++i) id += kAlphabet[pick(generator)];
  return id;
}

}  // namespace runhook::core
