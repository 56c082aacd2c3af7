// The built-in filters (abs, attr, batch, ..., wordcount). Each takes the filtered value and the
// call's arguments, with Python keyword-argument binding, and returns a new value.
#pragma once

#include <string_view>

#include "template/value.h"

namespace runhook::templating {

using FilterFunction = Value (*)(Renderer& renderer, const Value& target, CallArguments& arguments);

// Returns nullptr when Jinja2 has no filter of that name.
FilterFunction FindFilter(std::string_view name);

}  // namespace runhook::templating
