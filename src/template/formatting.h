// Python's string formatting: the format-spec mini-language (format(value, spec), used by
// str.format), str.format itself, and printf-style '%' formatting (the `format` filter).
#pragma once

#include <string>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

// format(value, spec). Throws EvalError (ValueError / TypeError) as Python would.
std::string FormatWithSpec(const Value& value, std::string_view spec);

// template.format(*positional, **keywords), with {}, {0}, {name}, {0[key]}, {0.attr}, {!r}.
std::string StrFormat(Renderer& renderer, std::string_view format, const CallArguments& arguments);

// format % arguments: `arguments` is a tuple of values or a dict for %(name)s.
std::string PrintfFormat(std::string_view format, const Value& arguments);
// format % tuple(positional), without building the tuple.
std::string PrintfFormat(std::string_view format, const ValueList& positional);

}  // namespace runhook::templating
