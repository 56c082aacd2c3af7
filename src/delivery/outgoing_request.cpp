#include "delivery/outgoing_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace runhook::delivery {
namespace {

bool HasHeader(const HttpRequest& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [&](const auto& header) { return HeaderNameEquals(header.first, name); });
}

}  // namespace

bool HeaderNameEquals(std::string_view left, std::string_view right) {
  return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

HttpRequest BuildOutgoingRequest(const core::Delivery& delivery, std::string_view user_agent) {
  const core::DeliveryDraft& stored = delivery.request;
  HttpRequest request;
  request.method = stored.method;
  request.url = stored.url;
  request.headers = stored.headers;
  request.body = stored.body;
  const double timeout_ms = std::max(1.0, std::ceil(stored.timeout_seconds * 1000.0));
  request.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_ms));
  if (!user_agent.empty() && !HasHeader(request, "User-Agent"))
    request.headers.emplace_back("User-Agent", std::string(user_agent));
  if (!stored.webhook_id.empty() && !HasHeader(request, "webhook-id"))
    request.headers.emplace_back("webhook-id", stored.webhook_id);
  return request;
}

}  // namespace runhook::delivery
