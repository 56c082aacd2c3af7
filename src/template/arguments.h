// Python-style binding of call arguments to parameter names, for filters, tests, methods and
// global functions: positional first, then keywords by name, with Python's TypeError messages.
#pragma once

#include <array>
#include <initializer_list>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

// The value bound to a parameter that was not given: None.
inline const Value kNotGiven;

struct BoundArguments {
  static constexpr size_t kMaxParameters = 8;  // the most any filter, test or method takes
  // One per parameter: the argument given for it (in the CallArguments bound, which must
  // outlive this), or null when it was not given.
  std::array<const Value*, kMaxParameters> values{};
  bool Has(size_t index) const { return values[index] != nullptr; }
  const Value& operator[](size_t index) const {
    return values[index] != nullptr ? *values[index] : kNotGiven;
  }
};

// Binds `arguments` to `names`; the first `required` names must be given. The result points
// into `arguments`, which must outlive it and stay unchanged meanwhile. Throws EvalError
// (TypeError) for too many, unknown, duplicate or missing arguments.
// REQUIRES: names.size() <= BoundArguments::kMaxParameters.
BoundArguments BindArguments(const CallArguments& arguments,
                             std::initializer_list<std::string_view> names,
                             std::string_view function_name, size_t required = 0);

}  // namespace runhook::templating
