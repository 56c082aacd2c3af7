#include "delivery/outgoing_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "delivery/signature.h"

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

Status AddSignatureHeaders(HttpRequest& request, const std::vector<std::string>& secrets,
                           int64_t timestamp_seconds) {
  if (secrets.empty()) return OkStatus();
  const std::string* webhook_id = nullptr;
  for (const auto& [name, value] : request.headers)
    if (HeaderNameEquals(name, "webhook-id")) webhook_id = &value;
  if (webhook_id == nullptr)
    return MakeError(ErrorCode::kInvalidArgument, "cannot sign a request without a webhook-id");
  Result<std::string> signature =
      MakeSignatureHeader(secrets, *webhook_id, timestamp_seconds, request.body);
  if (!signature) return signature.error();
  std::erase_if(request.headers, [](const auto& header) {
    return HeaderNameEquals(header.first, "webhook-timestamp") ||
           HeaderNameEquals(header.first, "webhook-signature");
  });
  request.headers.emplace_back("webhook-timestamp", std::to_string(timestamp_seconds));
  request.headers.emplace_back("webhook-signature", std::move(signature).value());
  return OkStatus();
}

}  // namespace runhook::delivery
