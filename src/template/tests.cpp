// The built-in `is` tests, as jinja2/tests.py defines them. See tests.h.
#include "template/tests.h"

#include <string>
#include <unordered_map>

#include "template/arguments.h"
#include "template/errors.h"
#include "template/filters.h"
#include "template/operators.h"
#include "template/renderer.h"
#include "template/string_methods.h"
#include "template/unicode.h"

namespace runhook::templating {
namespace {

using Args = CallArguments;

const Value& Argument(Args& arguments, std::string_view test, std::string_view parameter) {
  if (arguments.positional.empty()) {
    for (const auto& [key, value] : arguments.keywords) {
      if (key == parameter) return value;
    }
    ThrowEval("TypeError", "test_" + std::string(test) +
                               "() missing 1 required positional argument: '" +
                               std::string(parameter) + "'");
  }
  return arguments.positional[0];
}

bool Defined(Renderer&, const Value& v, Args&) { return !v.is_undefined(); }
bool Undefined(Renderer&, const Value& v, Args&) { return v.is_undefined(); }
bool None(Renderer&, const Value& v, Args&) { return v.is_none(); }
bool Boolean(Renderer&, const Value& v, Args&) { return v.is_bool(); }
bool False(Renderer&, const Value& v, Args&) { return v.is_bool() && !v.as_bool(); }
bool True(Renderer&, const Value& v, Args&) { return v.is_bool() && v.as_bool(); }
bool Number(Renderer&, const Value& v, Args&) { return v.is_number(); }
bool Integer(Renderer&, const Value& v, Args&) { return v.is_int(); }
bool Float(Renderer&, const Value& v, Args&) { return v.is_float(); }
bool String(Renderer&, const Value& v, Args&) { return v.is_string(); }
bool Mapping(Renderer&, const Value& v, Args&) { return v.is_dict(); }
bool Sequence(Renderer& r, const Value& v, Args&) {
  if (v.is_undefined()) {
    r.UseUndefined(v);
    return true;  // Undefined has __len__ and __iter__... and no __getitem__ failure path
  }
  return v.is_string() || v.is_sequence() || v.is_dict();
}
bool Iterable(Renderer& r, const Value& v, Args&) {
  if (v.is_undefined()) {
    r.UseUndefined(v);
    return true;
  }
  return v.is_string() || v.is_sequence() || v.is_dict() || v.kind() == Value::Kind::kNamespace;
}
bool CallableTest(Renderer&, const Value& v, Args&) {
  return v.is_callable() || (v.kind() == Value::Kind::kLoop && v.as_loop().recurse);
}
bool Escaped(Renderer&, const Value& v, Args&) { return v.is_markup(); }

bool Modulo(Renderer& r, const Value& v, const Value& divisor, int64_t expected) {
  r.RequireDefined(v);
  r.RequireDefined(divisor);
  Value remainder = EvaluateBinary(BinaryOperator::kModulo, v, divisor, r.operator_limits());
  return PythonEquals(remainder, Value::Integer(expected));
}
bool Odd(Renderer& r, const Value& v, Args&) { return Modulo(r, v, Value::Integer(2), 1); }
bool Even(Renderer& r, const Value& v, Args&) { return Modulo(r, v, Value::Integer(2), 0); }
bool DivisibleBy(Renderer& r, const Value& v, Args& a) {
  return Modulo(r, v, Argument(a, "divisibleby", "num"), 0);
}

bool Compare(Renderer& r, CompareOperator op, const Value& v, Args& a, std::string_view name) {
  const Value& other = Argument(a, name, "other");
  if (op == CompareOperator::kEqual || op == CompareOperator::kNotEqual) {
    if (r.mode() == UndefinedMode::kStrict) {
      r.RequireDefined(v);
      r.RequireDefined(other);
    }
  } else {
    r.RequireDefined(v);
    r.RequireDefined(other);
  }
  return EvaluateCompare(op, v, other);
}
bool Eq(Renderer& r, const Value& v, Args& a) {
  return Compare(r, CompareOperator::kEqual, v, a, "eq");
}
bool Ne(Renderer& r, const Value& v, Args& a) {
  return Compare(r, CompareOperator::kNotEqual, v, a, "ne");
}
bool Lt(Renderer& r, const Value& v, Args& a) {
  return Compare(r, CompareOperator::kLess, v, a, "lt");
}
bool Le(Renderer& r, const Value& v, Args& a) {
  return Compare(r, CompareOperator::kLessEqual, v, a, "le");
}
bool Gt(Renderer& r, const Value& v, Args& a) {
  return Compare(r, CompareOperator::kGreater, v, a, "gt");
}
bool Ge(Renderer& r, const Value& v, Args& a) {
  return Compare(r, CompareOperator::kGreaterEqual, v, a, "ge");
}
bool In(Renderer& r, const Value& v, Args& a) {
  const Value& container = Argument(a, "in", "seq");
  r.UseUndefined(container);
  return Contains(container, v);
}

bool Lower(Renderer& r, const Value& v, Args&) {
  std::string text = r.ToText(v);
  bool any = false;
  for (uint32_t c : DecodeUtf8(text)) {
    if (IsUpperCase(c)) return false;
    if (IsCased(c)) any = true;
  }
  return any;
}
bool Upper(Renderer& r, const Value& v, Args&) {
  std::string text = r.ToText(v);
  bool any = false;
  for (uint32_t c : DecodeUtf8(text)) {
    if (IsLowerCase(c)) return false;
    if (IsCased(c)) any = true;
  }
  return any;
}

bool SameAs(Renderer&, const Value& v, Args& a) {
  const Value& other = Argument(a, "sameas", "other");
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Value::Kind::kNone:
    case Value::Kind::kUndefined:
      return true;
    case Value::Kind::kBool:
      return v.as_bool() == other.as_bool();
    case Value::Kind::kInt:
      return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Value::Kind::kString:
      return v.json() == other.json() && v.as_string().data() == other.as_string().data();
    case Value::Kind::kList:
    case Value::Kind::kTuple:
    case Value::Kind::kDict:
      if (v.json() != nullptr || other.json() != nullptr) return v.json() == other.json();
      return false;
    default:
      return false;
  }
}

bool FilterExists(Renderer&, const Value& v, Args&) {
  return v.is_string() && FindFilter(v.as_string()) != nullptr;
}
bool TestExists(Renderer&, const Value& v, Args&) {
  return v.is_string() && FindTest(v.as_string()) != nullptr;
}

}  // namespace

TestFunction FindTest(std::string_view name) {
  static const std::unordered_map<std::string_view, TestFunction> kTests = {
      {"defined", Defined},
      {"undefined", Undefined},
      {"none", None},
      {"boolean", Boolean},
      {"false", False},
      {"true", True},
      {"number", Number},
      {"integer", Integer},
      {"float", Float},
      {"string", String},
      {"mapping", Mapping},
      {"sequence", Sequence},
      {"iterable", Iterable},
      {"callable", CallableTest},
      {"escaped", Escaped},
      {"odd", Odd},
      {"even", Even},
      {"divisibleby", DivisibleBy},
      {"eq", Eq},
      {"equalto", Eq},
      {"==", Eq},
      {"ne", Ne},
      {"!=", Ne},
      {"lt", Lt},
      {"lessthan", Lt},
      {"<", Lt},
      {"le", Le},
      {"<=", Le},
      {"gt", Gt},
      {"greaterthan", Gt},
      {">", Gt},
      {"ge", Ge},
      {">=", Ge},
      {"in", In},
      {"lower", Lower},
      {"upper", Upper},
      {"sameas", SameAs},
      {"filter", FilterExists},
      {"test", TestExists},
  };
  auto it = kTests.find(name);
  return it == kTests.end() ? nullptr : it->second;
}

}  // namespace runhook::templating
