// Python's json.dumps(value, sort_keys=True[, indent]) with Jinja2's HTML-safe escaping of
// < > & ' (the `tojson` filter). ASCII-only output, floats as Python repr, NaN/Infinity as Python
// writes them.
#pragma once

#include <string>

#include "template/value.h"

namespace runhook::templating {

// `indent` < 0 means no indentation (", " and ": " separators). Throws EvalError (TypeError) for
// values JSON cannot hold (undefined, macros) and for keys that cannot be sorted together.
std::string DumpJson(const Value& value, int indent);

// A Value as runhook's Json (for tooling); tuples become arrays, non-string keys strings.
Json ToJson(const Value& value);

}  // namespace runhook::templating
