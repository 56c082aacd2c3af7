// A hook's `when` condition: a Jinja2 expression over the template context (e.g.
// `run.summary.accuracy >= 0.95`), compiled once and evaluated many times.
//
// It is compiled as the template "{% if (EXPRESSION) %}1{% endif %}" with template.h's public
// API; error columns are mapped back to the user's expression. Undefined names are falsy, as
// in Jinja2; an expression that fails while evaluating (e.g. comparing an undefined metric with
// a number) counts as false.
//
// Thread safety: a Condition is immutable after Compile and may be evaluated from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/json.h"
#include "core/result.h"
#include "template/template.h"

namespace runhook::hooks {

class Condition {
 public:
  // Errors: kInvalidArgument "line L, column C: MESSAGE" (L and C within `expression`), or
  // "must not be empty" / "must be one expression, not template tags ..." for misuse.
  static Result<Condition> Compile(std::string_view expression);

  // True when the expression is truthy in `context` (a JSON object of top-level variables).
  // Errors: kInvalidArgument naming the Jinja2 error (the caller may count it as false).
  Result<bool> Evaluate(const Json& context) const;

 private:
  explicit Condition(templating::Template compiled) : compiled_(std::move(compiled)) {}
  templating::Template compiled_;
};

// The `every` period of a hook in milliseconds; nullopt when `every` is empty.
// Errors: kInvalidArgument when it is not a duration of at least 100 ms.
Result<std::optional<int64_t>> ParseEveryMillis(std::string_view every);

}  // namespace runhook::hooks
