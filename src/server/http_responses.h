// Helpers shared by the HTTP handlers: writing JSON and error responses, reading query
// parameters. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <httplib.h>

#include "core/json.h"
#include "core/result.h"

namespace runhook::server {

// Serializes `json` compactly; invalid UTF-8 inside strings is replaced, never thrown.
std::string DumpJson(const Json& json);

void SendJson(httplib::Response& response, int status, const Json& body);

// {"error": {"code", "message"}} with the status of `error.code`.
void SendError(httplib::Response& response, const ErrorInfo& error);

// The value of query parameter `name` as an integer in [min, max]; nullopt when absent.
// Errors: kInvalidArgument naming the parameter.
Result<std::optional<int64_t>> IntegerParam(const httplib::Request& request, const char* name,
                                            int64_t min, int64_t max);

// The value of query parameter `name`, or nullopt when absent or empty.
std::optional<std::string> StringParam(const httplib::Request& request, const char* name);

}  // namespace runhook::server
