// The HTTP request owed for a stored delivery: method, URL, headers and body exactly as the
// delivery stores them, plus `User-Agent` (unless the hook set one) and the Standard Webhooks
// `webhook-id` (unless already present). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/delivery.h"
#include "delivery/http_attempt.h"

namespace runhook::delivery {

HttpRequest BuildOutgoingRequest(const core::Delivery& delivery, std::string_view user_agent);

// Case-insensitive header name comparison (HTTP field names are case-insensitive).
bool HeaderNameEquals(std::string_view left, std::string_view right);

}  // namespace runhook::delivery
