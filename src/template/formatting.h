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

// format % number for the common `'%.2f'`-like format: text around exactly one `%.Nf`
// directive (N of one or two digits, no flags or width, no other '%') and a finite int or
// float: appends what PrintfFormat would return and returns true. Returns false, having
// appended nothing, for any other format or argument (then PrintfFormat).
bool AppendFixedPointFormat(std::string_view format, const Value& argument, std::string* out);

}  // namespace runhook::templating
