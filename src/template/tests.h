// The built-in `is` tests (defined, none, number, divisibleby, eq, in, sameas, ...).
#pragma once

#include <string_view>

#include "template/value.h"

namespace runhook::templating {

using TestFunction = bool (*)(Renderer& renderer, const Value& target, CallArguments& arguments);

// Returns nullptr when Jinja2 has no test of that name.
TestFunction FindTest(std::string_view name);

}  // namespace runhook::templating
