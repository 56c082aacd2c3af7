// Python's str() and repr() of template values, byte for byte: shortest round-trip floats with
// Python's layout ("1.0", "1e-05", "1e+16", "inf"), True/False/None, and lists, tuples and dicts
// as Python repr (quote choice and escapes included).
#pragma once

#include <string>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

std::string FormatFloat(double value);                  // repr(float)
void AppendStr(const Value& value, std::string* out);   // str(value); undefined prints ""
void AppendRepr(const Value& value, std::string* out);  // repr(value)
std::string Str(const Value& value);
std::string Repr(const Value& value);
void AppendStringRepr(std::string_view text, std::string* out);  // repr(str)

}  // namespace runhook::templating
