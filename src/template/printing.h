// Python's str() and repr() of template values, byte for byte: shortest round-trip floats with
// Python's layout ("1.0", "1e-05", "1e+16", "inf"), True/False/None, and lists, tuples and dicts
// as Python repr (quote choice and escapes included).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

std::string FormatFloat(double value);             // repr(float)
void AppendFloat(double value, std::string* out);  // repr(float), appended

// `magnitude` (>= 0, finite) rounded to `digits` (0-22) decimal places exactly as a correctly
// rounded decimal conversion does (to_chars fixed, Python's round and '%.Nf': ties to even on the
// exact binary value), as the integer magnitude * 10^digits. Returns false, leaving *scaled
// alone, when that cannot be decided cheaply (a product above 1e12, or within 1e-3 of a tie):
// the caller then takes the exact slow path.
bool RoundToScaledDecimal(double magnitude, int digits, uint64_t* scaled);
// Appends scaled / 10^digits with exactly `digits` fraction digits ("0.0500" for 500, 4).
void AppendScaledDecimal(uint64_t scaled, int digits, std::string* out);
// repr(round(value, digits)) appended, without building the rounded double: the decimal
// RoundToScaledDecimal gives, trailing zeros dropped ("0.95" for 0.9500; "3.0" when no fraction
// digit is left). Exact because a decimal of at most 15 significant digits is the shortest
// repr of the double nearest to it. Returns false, having appended nothing, for a non-finite
// `value`, `digits` outside 0-22, a case RoundToScaledDecimal declines, or a nonzero result
// below 1e-4 (repr's exponent notation): the caller then rounds and prints the general way.
bool AppendRoundedFloat(double value, int digits, std::string* out);
// 10^digits as a double, exact. REQUIRES: 0 <= digits <= 22.
double PowerOfTen(int digits);
void AppendStr(const Value& value, std::string* out);   // str(value); undefined prints ""
void AppendRepr(const Value& value, std::string* out);  // repr(value)
std::string Str(const Value& value);
std::string Repr(const Value& value);
void AppendStringRepr(std::string_view text, std::string* out);  // repr(str)

}  // namespace runhook::templating
