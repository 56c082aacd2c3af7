// Python-style argument binding. See arguments.h.
#include "template/arguments.h"

#include <cstdlib>
#include <string>

#include "template/errors.h"

namespace runhook::templating {

BoundArguments BindArguments(const CallArguments& arguments,
                             std::initializer_list<std::string_view> names,
                             std::string_view function_name, size_t required) {
  BoundArguments bound;
  if (names.size() > BoundArguments::kMaxParameters) std::abort();  // a programming error
  auto function = [&] { return std::string(function_name); };       // for messages
  if (arguments.positional.size() > names.size()) {
    ThrowEval("TypeError", function() + "() takes " + std::to_string(names.size()) +
                               " positional arguments but " +
                               std::to_string(arguments.positional.size()) + " were given");
  }
  for (size_t i = 0; i < arguments.positional.size(); ++i) {
    bound.values[i] = &arguments.positional[i];
  }
  for (const auto& [key, value] : arguments.keywords) {
    size_t index = 0;
    bool matched = false;
    for (std::string_view name : names) {
      if (name == key) {
        matched = true;
        break;
      }
      ++index;
    }
    if (!matched) {
      ThrowEval("TypeError", function() + "() got an unexpected keyword argument '" + key + "'");
    }
    if (bound.Has(index)) {
      ThrowEval("TypeError", function() + "() got multiple values for argument '" + key + "'");
    }
    bound.values[index] = &value;
  }
  for (size_t index = 0; index < required && index < names.size(); ++index) {
    if (!bound.Has(index)) {
      ThrowEval("TypeError", function() + "() missing 1 required positional argument: '" +
                                 std::string(names.begin()[index]) + "'");
    }
  }
  return bound;
}

}  // namespace runhook::templating
