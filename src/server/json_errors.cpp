#include "server/json_errors.h"

namespace runhook::server {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

std::string_view ErrorCodeNameForStatus(int status) {
  if (status == 404) return "not_found";
  if (status == 409) return "conflict";
  if (status == 413) return "too_large";
  if (status == 503) return "unavailable";
  if (status >= 500) return "internal";
  return "invalid_argument";
}

Json ErrorJson(std::string_view code_name, const std::string& message) {
  return Json{{"error", {{"code", code_name}, {"message", message}}}};
}

Json ErrorJson(const ErrorInfo& error) {
  return ErrorJson(ErrorCodeName(error.code), error.message);
}

}  // namespace runhook::server
