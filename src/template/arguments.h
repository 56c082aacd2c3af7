// Python-style binding of call arguments to parameter names, for filters, tests, methods and
// global functions: positional first, then keywords by name, with Python's TypeError messages.
#pragma once

#include <array>
#include <initializer_list>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

struct BoundArguments {
  static constexpr size_t kMaxParameters = 8;  // the most any filter, test or method takes
  std::array<Value, kMaxParameters> values;    // one per parameter
  std::array<bool, kMaxParameters> given{};    // whether the caller passed it
  bool Has(size_t index) const { return given[index]; }
  const Value& operator[](size_t index) const { return values[index]; }
};

// Binds `arguments` to `names`; the first `required` names must be given. Throws EvalError
// (TypeError) for too many, unknown, duplicate or missing arguments.
// REQUIRES: names.size() <= BoundArguments::kMaxParameters.
BoundArguments BindArguments(const CallArguments& arguments,
                             std::initializer_list<std::string_view> names,
                             std::string_view function_name, size_t required = 0);

}  // namespace runhook::templating
