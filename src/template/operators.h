// Python's operators on Values: arithmetic with Python semantics ('/' true division, '//' and
// '%' flooring, int overflow detected rather than wrapped), comparisons, equality and `in`.
// Errors are thrown as EvalError with Python's exception type and message.
// Undefined operands must be dealt with by the caller (the renderer), except in PythonEquals
// (an undefined equals only another undefined) and Truthy (false).
#pragma once

#include <cstddef>

#include "template/value.h"

namespace runhook::templating {

enum class BinaryOperator { kAdd, kSubtract, kMultiply, kDivide, kFloorDivide, kModulo, kPower };
enum class CompareOperator {
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIn,
  kNotIn
};

// Caps applied by the operators: the size of a string or list built by '+' and '*', and the
// exponent of '**' on integers.
struct OperatorLimits {
  size_t max_bytes = 1 << 20;
  int64_t max_power_exponent = 10'000;
};

bool PythonEquals(const Value& left, const Value& right);
bool Truthy(const Value& value);
// Python's ordering for <, <=, >, >=; TypeError for unorderable types.
bool PythonLess(const Value& left, const Value& right);
bool EvaluateCompare(CompareOperator op, const Value& left, const Value& right);
bool Contains(const Value& container, const Value& item);  // item in container
Value EvaluateBinary(BinaryOperator op, const Value& left, const Value& right,
                     const OperatorLimits& limits);
Value Negate(const Value& operand);
Value Positive(const Value& operand);
const char* OperatorSpelling(BinaryOperator op);
const char* OperatorSpelling(CompareOperator op);

// Python's int(float) truncation, with an OverflowError/ValueError for values out of range.
int64_t FloatToInt(double value);
// Python's float // and % (sign of the result follows the divisor).
double FloorDivide(double left, double right);
double FloorModulo(double left, double right);

}  // namespace runhook::templating
