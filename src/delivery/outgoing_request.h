// The HTTP request owed for a stored delivery: method, URL, headers and body exactly as the
// delivery stores them, plus `User-Agent` (unless the hook set one) and the Standard Webhooks
// `webhook-id` (unless already present), and, per attempt, its signature headers. Pure;
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/delivery.h"
#include "core/result.h"
#include "delivery/http_attempt.h"

namespace runhook::delivery {

HttpRequest BuildOutgoingRequest(const core::Delivery& delivery, std::string_view user_agent);

// Adds the Standard Webhooks `webhook-timestamp` and `webhook-signature` headers (replacing any
// already there) for the request's `webhook-id` header and body, one signature per secret.
// Nothing changes when `secrets` is empty. Errors (kInvalidArgument): no webhook-id header, or
// a secret that is not a valid whsec_ value.
Status AddSignatureHeaders(HttpRequest& request, const std::vector<std::string>& secrets,
                           int64_t timestamp_seconds);

// Case-insensitive header name comparison (HTTP field names are case-insensitive).
bool HeaderNameEquals(std::string_view left, std::string_view right);

}  // namespace runhook::delivery
