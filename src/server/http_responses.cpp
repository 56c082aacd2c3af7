#include "server/http_responses.h"

#include <charconv>

#include "server/json_errors.h"

namespace runhook::server {

std::string DumpJson(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void SendJson(httplib::Response& response, int status, const Json& body) {
  response.status = status;
  response.set_content(DumpJson(body), "application/json");
}

void SendError(httplib::Response& response, const ErrorInfo& error) {
  SendJson(response, HttpStatusFor(error.code), ErrorJson(error));
}

Result<std::optional<int64_t>> IntegerParam(const httplib::Request& request, const char* name,
                                            int64_t min, int64_t max) {
  if (!request.has_param(name)) return std::optional<int64_t>{};
  const std::string text = request.get_param_value(name);
  if (text.empty()) return std::optional<int64_t>{};
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return MakeError(ErrorCode::kInvalidArgument, "query parameter '" + std::string(name) + "': '" +
                                                      text + "' is not an integer between " +
                                                      std::to_string(min) + " and " +
                                                      std::to_string(max));
  }
  return std::optional<int64_t>{value};
}

std::optional<std::string> StringParam(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  std::string value = request.get_param_value(name);
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace runhook::server
