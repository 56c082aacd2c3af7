// The API's error bodies, {"error": {"code": "...", "message": "..."}}, and the HTTP status of
// each ErrorCode (docs/api.md). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace runhook::server {

// 400 invalid_argument, 404 not_found, 409 conflict, 503 unavailable, 500 internal.
int HttpStatusFor(ErrorCode code);
std::string_view ErrorCodeName(ErrorCode code);

// The error code name used for an HTTP status the handlers do not produce themselves (from
// routing or body limits): 404 not_found, 413 too_large, other 4xx invalid_argument, 5xx internal.
std::string_view ErrorCodeNameForStatus(int status);

Json ErrorJson(std::string_view code_name, const std::string& message);
Json ErrorJson(const ErrorInfo& error);

}  // namespace runhook::server
