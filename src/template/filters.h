// The built-in filters (abs, attr, batch, ..., wordcount). Each takes the filtered value and the
// call's arguments, with Python keyword-argument binding, and returns a new value.
#pragma once

#include <string>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

using FilterFunction = Value (*)(Renderer& renderer, const Value& target, CallArguments& arguments);

// Returns nullptr when Jinja2 has no filter of that name.
FilterFunction FindFilter(std::string_view name);

// Percent-encodes `text` as the urlencode filter does (Python's quote): letters, digits and
// "_.-~" stay, and "/" too unless `for_query`, where a space becomes "+".
std::string UrlQuote(std::string_view text, bool for_query);

}  // namespace runhook::templating
