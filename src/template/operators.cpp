// Python operator semantics. See operators.h.
#include "template/operators.h"

#include <cmath>
#include <string>

#include "template/errors.h"
#include "template/printing.h"

namespace runhook::templating {
namespace {

std::string Quoted(const Value& value) { return "'" + std::string(TypeName(value)) + "'"; }

[[noreturn]] void Unsupported(const char* spelling, const Value& left, const Value& right) {
  ThrowEval("TypeError", std::string("unsupported operand type(s) for ") + spelling + ": " +
                             Quoted(left) + " and " + Quoted(right));
}

[[noreturn]] void IntegerOverflow() {
  ThrowEval("OverflowError", "integer result does not fit in 64 bits");
}

bool BothIntegers(const Value& left, const Value& right) {
  return (left.is_int() || left.is_bool()) && (right.is_int() || right.is_bool());
}

Value Repeat(const Value& sequence, int64_t count, const OperatorLimits& limits) {
  if (count < 0) count = 0;
  if (sequence.is_string()) {
    std::string_view text = sequence.as_string();
    if (!text.empty() && static_cast<uint64_t>(count) > limits.max_bytes / text.size()) {
      ThrowEval("SecurityError", "string repetition exceeds the sandbox limit of " +
                                     std::to_string(limits.max_bytes) + " bytes");
    }
    std::string out;
    out.reserve(text.size() * static_cast<size_t>(count));
    // An empty text repeats to nothing whatever the count (no loop of `count` empty appends).
    if (!text.empty()) {
      for (int64_t i = 0; i < count; ++i) out += text;
    }
    return Value::String(std::move(out), sequence.is_markup());
  }
  ValueList items = sequence.SequenceItems();
  if (!items.empty() && static_cast<uint64_t>(count) > limits.max_bytes / 8 / items.size()) {
    ThrowEval("SecurityError", "list repetition exceeds the sandbox limit");
  }
  ValueList out;
  if (!items.empty()) {
    for (int64_t i = 0; i < count; ++i) out.insert(out.end(), items.begin(), items.end());
  }
  return sequence.is_tuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
}

int64_t IntegerPower(int64_t base, int64_t exponent) {
  int64_t result = 1;
  while (exponent > 0) {
    if (exponent & 1) {
      if (__builtin_mul_overflow(result, base, &result)) IntegerOverflow();
    }
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) IntegerOverflow();
  }
  return result;
}

int CompareSequences(const Value& left, const Value& right);

// Three-way comparison for orderable pairs; throws TypeError otherwise.
int ThreeWay(const Value& left, const Value& right, const char* spelling) {
  if (left.is_undefined()) ThrowEval("UndefinedError", left.as_undefined().hint);
  if (right.is_undefined()) ThrowEval("UndefinedError", right.as_undefined().hint);
  if (left.is_number() && right.is_number()) {
    if (BothIntegers(left, right)) {
      return left.as_int() < right.as_int() ? -1 : (left.as_int() > right.as_int() ? 1 : 0);
    }
    double a = left.as_double(), b = right.as_double();
    if (std::isnan(a) || std::isnan(b)) return 2;  // unordered: every comparison false
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (left.is_string() && right.is_string()) {
    int c = left.as_string().compare(right.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if ((left.is_list() && right.is_list()) || (left.is_tuple() && right.is_tuple())) {
    return CompareSequences(left, right);
  }
  ThrowEval("TypeError", std::string("'") + spelling + "' not supported between instances of " +
                             Quoted(left) + " and " + Quoted(right));
}

int CompareSequences(const Value& left, const Value& right) {
  size_t left_size = left.SequenceSize(), right_size = right.SequenceSize();
  for (size_t i = 0; i < left_size && i < right_size; ++i) {
    Value a = left.SequenceAt(i), b = right.SequenceAt(i);
    if (!PythonEquals(a, b)) return ThreeWay(a, b, "<");
  }
  return left_size < right_size ? -1 : (left_size > right_size ? 1 : 0);
}

}  // namespace

int64_t FloatToInt(double value) {
  if (std::isnan(value)) ThrowEval("ValueError", "cannot convert float NaN to integer");
  if (std::isinf(value)) ThrowEval("OverflowError", "cannot convert float infinity to integer");
  double truncated = std::trunc(value);
  if (truncated >= 9223372036854775808.0 || truncated < -9223372036854775808.0) IntegerOverflow();
  return static_cast<int64_t>(truncated);
}

double FloorModulo(double left, double right) {
  double mod = std::fmod(left, right);
  if (mod != 0) {
    if ((right < 0) != (mod < 0)) mod += right;
  } else {
    mod = std::copysign(0.0, right);
  }
  return mod;
}

double FloorDivide(double left, double right) {
  double mod = std::fmod(left, right);
  double div = (left - mod) / right;
  if (mod != 0 && ((right < 0) != (mod < 0))) div -= 1.0;
  double floor_div;
  if (div != 0) {
    floor_div = std::floor(div);
    if (div - floor_div > 0.5) floor_div += 1.0;
  } else {
    floor_div = std::copysign(0.0, left / right);
  }
  return floor_div;
}

bool PythonEquals(const Value& left, const Value& right) {
  if (left.is_number() && right.is_number()) {
    if (BothIntegers(left, right)) return left.as_int() == right.as_int();
    if (left.is_float() && right.is_float()) return left.as_double() == right.as_double();
    // int vs float: exact comparison as Python does
    const Value& integer = left.is_float() ? right : left;
    double floating = left.is_float() ? left.as_double() : right.as_double();
    if (std::isnan(floating) || std::isinf(floating)) return false;
    if (floating != std::trunc(floating)) return false;
    if (floating >= 9223372036854775808.0 || floating < -9223372036854775808.0) return false;
    return static_cast<int64_t>(floating) == integer.as_int();
  }
  if (left.kind() != right.kind()) return false;
  switch (left.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return left.as_string() == right.as_string();
    case Value::Kind::kList:
    case Value::Kind::kTuple: {
      size_t size = left.SequenceSize();
      if (size != right.SequenceSize()) return false;
      for (size_t i = 0; i < size; ++i) {
        if (!PythonEquals(left.SequenceAt(i), right.SequenceAt(i))) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      if (left.DictSize() != right.DictSize()) return false;
      for (const auto& [key, item] : left.DictItems()) {
        Value other;
        if (!right.DictFind(key, &other) || !PythonEquals(item, other)) return false;
      }
      return true;
    }
    case Value::Kind::kCallable:
      return &left.as_callable() == &right.as_callable();
    case Value::Kind::kNamespace:
      return &left.as_namespace() == &right.as_namespace();
    case Value::Kind::kLoop:
      return &left.as_loop() == &right.as_loop();
    default:
      return false;
  }
}

bool Truthy(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return false;
    case Value::Kind::kBool:
      return value.as_bool();
    case Value::Kind::kInt:
      return value.as_int() != 0;
    case Value::Kind::kFloat:
      return value.as_double() != 0;
    case Value::Kind::kString:
      return !value.as_string().empty();
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return value.SequenceSize() != 0;
    case Value::Kind::kDict:
      return value.DictSize() != 0;
    default:
      return true;
  }
}

bool PythonLess(const Value& left, const Value& right) { return ThreeWay(left, right, "<") == -1; }

bool EvaluateCompare(CompareOperator op, const Value& left, const Value& right) {
  switch (op) {
    case CompareOperator::kEqual:
      return PythonEquals(left, right);
    case CompareOperator::kNotEqual:
      return !PythonEquals(left, right);
    case CompareOperator::kLess:
      return ThreeWay(left, right, "<") == -1;
    case CompareOperator::kLessEqual: {
      int c = ThreeWay(left, right, "<=");
      return c == -1 || c == 0;
    }
    case CompareOperator::kGreater:
      return ThreeWay(left, right, ">") == 1;
    case CompareOperator::kGreaterEqual: {
      int c = ThreeWay(left, right, ">=");
      return c == 1 || c == 0;
    }
    case CompareOperator::kIn:
      return Contains(right, left);
    case CompareOperator::kNotIn:
      return !Contains(right, left);
  }
  return false;
}

bool Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.is_string()) {
        ThrowEval("TypeError", "'in <string>' requires string as left operand, not " +
                                   std::string(TypeName(item)));
      }
      return container.as_string().find(item.as_string()) != std::string_view::npos;
    case Value::Kind::kList:
    case Value::Kind::kTuple: {
      size_t size = container.SequenceSize();
      for (size_t i = 0; i < size; ++i) {
        if (PythonEquals(container.SequenceAt(i), item)) return true;
      }
      return false;
    }
    case Value::Kind::kDict: {
      Value found;
      return container.DictFind(item, &found);
    }
    case Value::Kind::kUndefined:
      return false;
    case Value::Kind::kNamespace: {
      for (const auto& [key, value] : container.as_namespace().attributes) {
        if (PythonEquals(key, item)) return true;
      }
      return false;
    }
    default:
      ThrowEval("TypeError", "argument of type " + Quoted(container) + " is not iterable");
  }
}

Value EvaluateBinary(BinaryOperator op, const Value& left, const Value& right,
                     const OperatorLimits& limits) {
  const char* spelling = OperatorSpelling(op);
  bool numbers = left.is_number() && right.is_number();
  bool integers = numbers && BothIntegers(left, right);
  switch (op) {
    case BinaryOperator::kAdd: {
      if (integers) {
        int64_t result;
        if (__builtin_add_overflow(left.as_int(), right.as_int(), &result)) IntegerOverflow();
        return Value::Integer(result);
      }
      if (numbers) return Value::Float(left.as_double() + right.as_double());
      if (left.is_string() && right.is_string()) {
        if (left.as_string().size() + right.as_string().size() > limits.max_bytes) {
          ThrowEval("SecurityError", "string exceeds the sandbox limit of " +
                                         std::to_string(limits.max_bytes) + " bytes");
        }
        std::string out(left.as_string());
        out += right.as_string();
        return Value::String(std::move(out), left.is_markup());
      }
      if ((left.is_list() && right.is_list()) || (left.is_tuple() && right.is_tuple())) {
        ValueList items = left.SequenceItems();
        ValueList more = right.SequenceItems();
        items.insert(items.end(), more.begin(), more.end());
        return left.is_tuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
      }
      if (left.is_string() || left.is_list() || left.is_tuple()) {
        ThrowEval("TypeError", std::string("can only concatenate ") + std::string(TypeName(left)) +
                                   " (not \"" + std::string(TypeName(right)) + "\") to " +
                                   std::string(TypeName(left)));
      }
      Unsupported(spelling, left, right);
    }
    case BinaryOperator::kSubtract: {
      if (integers) {
        int64_t result;
        if (__builtin_sub_overflow(left.as_int(), right.as_int(), &result)) IntegerOverflow();
        return Value::Integer(result);
      }
      if (numbers) return Value::Float(left.as_double() - right.as_double());
      Unsupported(spelling, left, right);
    }
    case BinaryOperator::kMultiply: {
      if (integers) {
        int64_t result;
        if (__builtin_mul_overflow(left.as_int(), right.as_int(), &result)) IntegerOverflow();
        return Value::Integer(result);
      }
      if (numbers) return Value::Float(left.as_double() * right.as_double());
      bool left_sequence = left.is_string() || left.is_list() || left.is_tuple();
      bool right_sequence = right.is_string() || right.is_list() || right.is_tuple();
      if (left_sequence && (right.is_int() || right.is_bool())) {
        return Repeat(left, right.as_int(), limits);
      }
      if (right_sequence && (left.is_int() || left.is_bool())) {
        return Repeat(right, left.as_int(), limits);
      }
      if (left_sequence || right_sequence) {
        const Value& other = left_sequence ? right : left;
        ThrowEval("TypeError", "can't multiply sequence by non-int of type " + Quoted(other));
      }
      Unsupported(spelling, left, right);
    }
    case BinaryOperator::kDivide: {
      if (!numbers) Unsupported(spelling, left, right);
      if (right.as_double() == 0) {
        ThrowEval("ZeroDivisionError", integers ? "division by zero" : "float division by zero");
      }
      return Value::Float(left.as_double() / right.as_double());
    }
    case BinaryOperator::kFloorDivide: {
      if (!numbers) Unsupported(spelling, left, right);
      if (integers) {
        int64_t a = left.as_int(), b = right.as_int();
        if (b == 0) ThrowEval("ZeroDivisionError", "integer division or modulo by zero");
        if (a == INT64_MIN && b == -1) IntegerOverflow();
        int64_t quotient = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) --quotient;
        return Value::Integer(quotient);
      }
      if (right.as_double() == 0) ThrowEval("ZeroDivisionError", "float floor division by zero");
      return Value::Float(FloorDivide(left.as_double(), right.as_double()));
    }
    case BinaryOperator::kModulo: {
      if (left.is_string()) {
        ThrowEval("TypeError",
                  "printf-style '%' formatting is not supported; use the format filter");
      }
      if (!numbers) Unsupported(spelling, left, right);
      if (integers) {
        int64_t a = left.as_int(), b = right.as_int();
        if (b == 0) ThrowEval("ZeroDivisionError", "integer modulo by zero");
        if (b == -1) return Value::Integer(0);
        int64_t remainder = a % b;
        if (remainder != 0 && ((remainder < 0) != (b < 0))) remainder += b;
        return Value::Integer(remainder);
      }
      if (right.as_double() == 0) ThrowEval("ZeroDivisionError", "float modulo");
      return Value::Float(FloorModulo(left.as_double(), right.as_double()));
    }
    case BinaryOperator::kPower: {
      if (!numbers) Unsupported("** or pow()", left, right);
      if (integers && right.as_int() >= 0) {
        int64_t base = left.as_int(), exponent = right.as_int();
        if (exponent > limits.max_power_exponent && base != 0 && base != 1 && base != -1) {
          ThrowEval("SecurityError", "exponent exceeds the sandbox limit of " +
                                         std::to_string(limits.max_power_exponent));
        }
        if (base == -1) return Value::Integer(exponent % 2 == 0 ? 1 : -1);
        if (base == 0 || base == 1) return Value::Integer(exponent == 0 ? 1 : base);
        return Value::Integer(IntegerPower(base, exponent));
      }
      double base = left.as_double(), exponent = right.as_double();
      if (base == 0 && exponent < 0) {
        ThrowEval("ZeroDivisionError", "0.0 cannot be raised to a negative power");
      }
      if (base < 0 && exponent != std::trunc(exponent) && std::isfinite(exponent)) {
        ThrowEval("ValueError", "a negative number raised to a fractional power is complex");
      }
      double result = std::pow(base, exponent);
      if (std::isinf(result) && std::isfinite(base) && std::isfinite(exponent)) {
        ThrowEval("OverflowError", "(34, 'Numerical result out of range')");
      }
      return Value::Float(result);
    }
  }
  Unsupported(spelling, left, right);
}

Value Negate(const Value& operand) {
  if (operand.is_int() || operand.is_bool()) {
    if (operand.as_int() == INT64_MIN) IntegerOverflow();
    return Value::Integer(-operand.as_int());
  }
  if (operand.is_float()) return Value::Float(-operand.as_double());
  ThrowEval("TypeError", "bad operand type for unary -: " + Quoted(operand));
}

Value Positive(const Value& operand) {
  if (operand.is_int() || operand.is_bool()) return Value::Integer(operand.as_int());
  if (operand.is_float()) return operand;
  ThrowEval("TypeError", "bad operand type for unary +: " + Quoted(operand));
}

const char* OperatorSpelling(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::kAdd:
      return "+";
    case BinaryOperator::kSubtract:
      return "-";
    case BinaryOperator::kMultiply:
      return "*";
    case BinaryOperator::kDivide:
      return "/";
    case BinaryOperator::kFloorDivide:
      return "//";
    case BinaryOperator::kModulo:
      return "%";
    case BinaryOperator::kPower:
      return "**";
  }
  return "?";
}

const char* OperatorSpelling(CompareOperator op) {
  switch (op) {
    case CompareOperator::kEqual:
      return "==";
    case CompareOperator::kNotEqual:
      return "!=";
    case CompareOperator::kLess:
      return "<";
    case CompareOperator::kLessEqual:
      return "<=";
    case CompareOperator::kGreater:
      return ">";
    case CompareOperator::kGreaterEqual:
      return ">=";
    case CompareOperator::kIn:
      return "in";
    case CompareOperator::kNotIn:
      return "not in";
  }
  return "?";
}

}  // namespace runhook::templating
