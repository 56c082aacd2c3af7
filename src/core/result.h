// Result<T>: a value or an error, for failures that are ordinary (not found, conflict, bad
// input). Exceptions are kept for the public API boundary and for bugs.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace runhook {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong; maps to HTTP 400
  kNotFound,         // 404
  kConflict,         // state or version changed underneath, or already exists; 409
  kUnavailable,      // transient: database busy, network; 503
  kInternal,         // a bug or an unexpected failure; 500
};

struct ErrorInfo {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // says what was wrong and, where it can, what to do
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}          // NOLINT: implicit by design
  Result(ErrorInfo error) : data_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const ErrorInfo& error() const { return std::get<ErrorInfo>(data_); }

 private:
  std::variant<T, ErrorInfo> data_;
};

// Result<void>: success or an error.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

inline ErrorInfo MakeError(ErrorCode code, std::string message) {
  return ErrorInfo{code, std::move(message)};
}

}  // namespace runhook
