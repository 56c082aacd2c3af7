#include "hooks/condition.h"

#include <algorithm>
#include <array>
#include <string>

#include "core/duration.h"

namespace runhook::hooks {
namespace {

constexpr std::string_view kPrefix = "{% if (";
constexpr std::string_view kSuffix = ") %}1{% endif %}";
constexpr int64_t kMinimumEveryMillis = 100;

// Jinja2 delimiters that would let an "expression" end the surrounding tag.
constexpr std::array<std::string_view, 6> kDelimiters = {"{%", "%}", "{{", "}}", "{#", "#}"};

std::string Where(const templating::TemplateError& error) {
  if (error.line() <= 0) return "";
  // Only the first line carries the prefix; the suffix never comes before an error's position
  // inside the expression.
  int column = error.column();
  if (error.line() == 1) column = std::max(1, column - static_cast<int>(kPrefix.size()));
  return "line " + std::to_string(error.line()) + ", column " + std::to_string(column) + ": ";
}

}  // namespace

Result<Condition> Condition::Compile(std::string_view expression) {
  if (expression.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return MakeError(ErrorCode::kInvalidArgument, "must not be empty");
  for (std::string_view delimiter : kDelimiters) {
    if (expression.find(delimiter) != std::string_view::npos)
      return MakeError(ErrorCode::kInvalidArgument,
                       "must be one expression, not template tags ('" + std::string(delimiter) +
                           "' found), e.g. run.summary.accuracy >= 0.95");
  }
  std::string source;
  source.reserve(kPrefix.size() + expression.size() + kSuffix.size());
  source.append(kPrefix).append(expression).append(kSuffix);
  try {
    return Condition(templating::Template::Compile(source, "when"));
  } catch (const templating::TemplateError& error) {
    return MakeError(ErrorCode::kInvalidArgument, Where(error) + error.message());
  }
}

Result<bool> Condition::Evaluate(const Json& context) const {
  try {
    return compiled_.Render(context).output == "1";
  } catch (const templating::TemplateError& error) {
    return MakeError(ErrorCode::kInvalidArgument, error.type() + ": " + error.message());
  }
}

Result<std::optional<int64_t>> ParseEveryMillis(std::string_view every) {
  if (every.empty()) return std::optional<int64_t>();
  std::optional<core::Duration> duration = core::ParseDuration(every);
  if (!duration)
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + std::string(every) + "' is not a duration (e.g. 30s, 10m, 1h, 2.5)");
  const int64_t millis = std::chrono::duration_cast<std::chrono::milliseconds>(*duration).count();
  if (millis < kMinimumEveryMillis)
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + std::string(every) + "' is shorter than the minimum of 100ms");
  return std::optional<int64_t>(millis);
}

}  // namespace runhook::hooks
