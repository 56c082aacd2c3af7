// Expression evaluation. See renderer.h.
#include <array>
#include <optional>

#include "template/callables.h"
#include "template/errors.h"
#include "template/filters.h"
#include "template/printing.h"
#include "template/renderer.h"
#include "template/tests.h"

namespace runhook::templating {

Renderer::ArgumentsLease::ArgumentsLease(Renderer& renderer) : renderer_(renderer) {
  if (renderer.arguments_in_use_ == renderer.argument_pool_.size()) {
    renderer.argument_pool_.push_back(std::make_unique<CallArguments>());
  }
  arguments_ = renderer.argument_pool_[renderer.arguments_in_use_++].get();
}

Renderer::ArgumentsLease::~ArgumentsLease() {
  arguments_->positional.clear();
  arguments_->keywords.clear();
  --renderer_.arguments_in_use_;
}

Value Renderer::Evaluate(const Expression& expression) {
  if (expression.kind == ExpressionKind::kLiteral) return expression.constant;  // cannot fail
  try {
    return EvaluateUnlocated(expression);
  } catch (const EvalError& error) {
    Fail(error.type, error.message, expression.location);
  }
}

bool Renderer::EvaluateCondition(const Expression& condition) {
  const Expression* operand = &condition;
  bool negated = false;
  while (operand->kind == ExpressionKind::kNot) {
    operand = operand->children[0].get();
    negated = !negated;
  }
  if (operand->kind == ExpressionKind::kAttribute) {
    const Expression& parent = *operand->children[0];
    bool first = operand->name == "first";
    if (parent.kind == ExpressionKind::kName && !parent.context_name &&
        (first || operand->name == "last")) {
      const Value* local = FindLocal(parent.name);
      if (local != nullptr && local->kind() == Value::Kind::kLoop) {
        const LoopData& loop = local->as_loop();
        bool truth = first ? loop.index0 == 0 : loop.index0 + 1 == loop.length;
        return truth != negated;
      }
    }
  }
  return IsTruthy(Evaluate(condition));
}

std::string Renderer::PathOf(const Expression& expression) const {
  switch (expression.kind) {
    case ExpressionKind::kName:
      return std::string(expression.name);
    case ExpressionKind::kAttribute: {
      std::string parent = PathOf(*expression.children[0]);
      if (parent.empty()) return parent;
      return parent.append(".").append(expression.name);
    }
    case ExpressionKind::kItem: {
      std::string parent = PathOf(*expression.children[0]);
      if (parent.empty()) return "";
      const Expression& key = *expression.children[1];
      if (key.kind != ExpressionKind::kLiteral) return parent + "[...]";
      if (key.constant.is_string()) {
        std::string_view text = key.constant.as_string();
        bool identifier = !text.empty() && !(text[0] >= '0' && text[0] <= '9');
        for (char c : text) {
          if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_')) {
            identifier = false;
          }
        }
        if (identifier) return parent + "." + std::string(text);
      }
      return parent + "[" + Repr(key.constant) + "]";
    }
    default:
      return "";
  }
}

Value Renderer::EvaluateName(const Expression& expression) {
  Value found;
  if (expression.context_name) {
    if (const Json* entry = FindContextEntry(expression.name)) return Value::FromJson(*entry);
    if (FindGlobal(expression.name, &found)) return found;
  } else if (Lookup(expression.name, &found)) {
    return found;
  }
  std::string name(expression.name);
  return Value::Undefined(name, "'" + name + "' is undefined");
}

Value Renderer::EvaluateUnlocated(const Expression& expression) {
  switch (expression.kind) {
    case ExpressionKind::kLiteral:
      return expression.constant;
    case ExpressionKind::kName:
      return EvaluateName(expression);
    case ExpressionKind::kAttribute: {
      if (const Json* json = FindContextJson(expression)) return Value::FromJson(*json);
      const Expression& parent = *expression.children[0];
      if (parent.kind == ExpressionKind::kName && !parent.context_name) {
        // A local's attribute (`loop.last`): read in place, without copying the local.
        const Value* local = FindLocal(parent.name);
        if (local != nullptr && !local->is_undefined()) {
          return GetAttribute(*local, expression.name, &parent, expression.may_be_method);
        }
      }
      Value object = Evaluate(parent);
      if (object.is_undefined()) {
        if (mode_ == UndefinedMode::kChainable) {
          const UndefinedData& data = object.as_undefined();
          return Value::Undefined(
              data.path.empty() ? "" : data.path + "." + std::string(expression.name), data.hint);
        }
        RequireDefined(object);
      }
      return GetAttribute(object, expression.name, expression.children[0].get(),
                          expression.may_be_method);
    }
    case ExpressionKind::kItem: {
      Value object = Evaluate(*expression.children[0]);
      Value key = Evaluate(*expression.children[1]);
      if (object.is_undefined()) {
        if (mode_ == UndefinedMode::kChainable) {
          const UndefinedData& data = object.as_undefined();
          std::string suffix =
              key.is_string() ? "." + std::string(key.as_string()) : "[" + Repr(key) + "]";
          return Value::Undefined(data.path.empty() ? "" : data.path + suffix, data.hint);
        }
        RequireDefined(object);
      }
      return GetItem(object, key, expression.children[0].get());
    }
    case ExpressionKind::kSlice:
      return EvaluateSlice(expression);
    case ExpressionKind::kList:
    case ExpressionKind::kTuple: {
      ValueList items;
      items.reserve(expression.children.size());
      for (const auto& child : expression.children) items.push_back(Evaluate(*child));
      return expression.kind == ExpressionKind::kList ? Value::List(std::move(items))
                                                      : Value::Tuple(std::move(items));
    }
    case ExpressionKind::kDict: {
      Value dict = Value::Dict({});
      for (size_t i = 0; i + 1 < expression.children.size(); i += 2) {
        Value key = Evaluate(*expression.children[i]);
        Value item = Evaluate(*expression.children[i + 1]);
        if (key.is_list() || key.is_dict()) {
          ThrowEval("TypeError", "unhashable type: '" + std::string(TypeName(key)) + "'");
        }
        dict.DictSet(key, std::move(item));
      }
      return dict;
    }
    case ExpressionKind::kNegate:
    case ExpressionKind::kPositive: {
      Value operand = Evaluate(*expression.children[0]);
      RequireDefined(operand);
      return expression.kind == ExpressionKind::kNegate ? Negate(operand) : Positive(operand);
    }
    case ExpressionKind::kNot:
      return Value::Boolean(!IsTruthy(Evaluate(*expression.children[0])));
    case ExpressionKind::kBinary: {
      Value left = Evaluate(*expression.children[0]);
      Value right = Evaluate(*expression.children[1]);
      RequireDefined(left);
      RequireDefined(right);
      return EvaluateBinary(expression.binary_operator, left, right, operator_limits_);
    }
    case ExpressionKind::kConcat:
      return EvaluateConcat(expression);
    case ExpressionKind::kCompare:
      return EvaluateCompare(expression);
    case ExpressionKind::kAnd: {
      Value left = Evaluate(*expression.children[0]);
      if (!IsTruthy(left)) return left;
      return Evaluate(*expression.children[1]);
    }
    case ExpressionKind::kOr: {
      Value left = Evaluate(*expression.children[0]);
      if (IsTruthy(left)) return left;
      return Evaluate(*expression.children[1]);
    }
    case ExpressionKind::kCondition: {
      if (EvaluateCondition(*expression.children[0])) return Evaluate(*expression.children[1]);
      if (expression.children[2]) return Evaluate(*expression.children[2]);
      return expression.constant;  // the parser's lenient undefined
    }
    case ExpressionKind::kFilter:
      return EvaluateFilter(expression, nullptr);
    case ExpressionKind::kTest:
      return EvaluateTest(expression);
    case ExpressionKind::kCall:
      return EvaluateCall(expression);
    case ExpressionKind::kNamespaceReference:
      ThrowEval("TemplateRuntimeError", "a namespace reference can only be assigned to");
  }
  return Value();
}

Value Renderer::EvaluateConcat(const Expression& expression) {
  std::string text;
  for (const auto& child : expression.children) {
    Value part = Evaluate(*child);
    UseUndefined(part);
    AppendStr(part, &text);
    if (text.size() > limits_.max_string_bytes) {
      ThrowEval("SecurityError", "string exceeds the sandbox limit of " +
                                     std::to_string(limits_.max_string_bytes) + " bytes");
    }
  }
  return Value::String(std::move(text));
}

Value Renderer::EvaluateCompare(const Expression& expression) {
  Value left = Evaluate(*expression.children[0]);
  for (size_t i = 0; i < expression.compare_operators.size(); ++i) {
    Value right = Evaluate(*expression.children[i + 1]);
    CompareOperator op = expression.compare_operators[i];
    switch (op) {
      case CompareOperator::kEqual:
      case CompareOperator::kNotEqual:
        if (mode_ == UndefinedMode::kStrict) {
          RequireDefined(left);
          RequireDefined(right);
        }
        break;
      case CompareOperator::kIn:
      case CompareOperator::kNotIn:
        UseUndefined(right);
        if (right.is_undefined()) break;
        if (mode_ == UndefinedMode::kStrict) RequireDefined(left);
        break;
      default:
        RequireDefined(left);
        RequireDefined(right);
    }
    if (!templating::EvaluateCompare(op, left, right)) return Value::Boolean(false);
    left = std::move(right);
  }
  return Value::Boolean(true);
}

void Renderer::EvaluateArguments(const Expression& expression, CallArguments* arguments) {
  for (const auto& argument : expression.arguments)
    arguments->positional.push_back(Evaluate(*argument));
  for (const auto& [key, value] : expression.keywords) {
    arguments->keywords.emplace_back(key, Evaluate(*value));
  }
  if (expression.star_arguments) {
    Value extra = Evaluate(*expression.star_arguments);
    for (Value& item : Iterate(extra)) arguments->positional.push_back(std::move(item));
  }
  if (expression.double_star_arguments) {
    Value extra = Evaluate(*expression.double_star_arguments);
    if (!extra.is_dict()) {
      ThrowEval("TypeError",
                "argument after ** must be a mapping, not " + std::string(TypeName(extra)));
    }
    for (auto& [key, value] : extra.DictItems()) {
      if (!key.is_string()) ThrowEval("TypeError", "keywords must be strings");
      arguments->keywords.emplace_back(std::string(key.as_string()), std::move(value));
    }
  }
}

Value Renderer::EvaluateCall(const Expression& expression) {
  const Expression& callee_expression = *expression.children[0];
  ArgumentsLease lease(*this);
  CallArguments& arguments = lease.arguments();
  if (callee_expression.kind == ExpressionKind::kAttribute) {
    Value object = Evaluate(*callee_expression.children[0]);
    // Methods win over dict keys for attribute syntax, as in Python.
    if (!object.is_undefined() && HasMethod(object, callee_expression.name)) {
      EvaluateArguments(expression, &arguments);
      return CallMethod(*this, object, callee_expression.name, arguments);
    }
    Value callee;
    if (object.is_undefined()) {
      if (mode_ != UndefinedMode::kChainable) RequireDefined(object);
      callee = object;
    } else {
      callee = GetAttribute(object, callee_expression.name, callee_expression.children[0].get());
    }
    EvaluateArguments(expression, &arguments);
    RequireDefined(callee);
    return CallValue(callee, arguments);
  }
  Value callee = Evaluate(callee_expression);
  EvaluateArguments(expression, &arguments);
  RequireDefined(callee);
  return CallValue(callee, arguments);
}

Value Renderer::CallValue(const Value& callee, CallArguments& arguments) {
  RequireDefined(callee);
  if (callee.is_callable()) return callee.as_callable().Call(*this, arguments);
  if (callee.kind() == Value::Kind::kLoop && callee.as_loop().recurse) {
    return callee.as_loop().recurse->Call(*this, arguments);
  }
  ThrowEval("TypeError", "'" + std::string(TypeName(callee)) + "' object is not callable");
}

Value Renderer::EvaluateFilter(const Expression& expression, const Value* block_target) {
  Value target;
  const Expression* inner = expression.children[0].get();
  if (inner == nullptr) {
    if (block_target == nullptr) ThrowEval("TemplateRuntimeError", "filter without a value");
    target = *block_target;
  } else if (block_target != nullptr && inner->kind == ExpressionKind::kFilter) {
    target = EvaluateFilter(*inner, block_target);  // {% filter a|b %}: `a` gets the block text
  } else {
    target = Evaluate(*inner);
  }
  if (!HasArguments(expression)) return expression.filter(*this, target, no_arguments_);
  ArgumentsLease lease(*this);
  EvaluateArguments(expression, &lease.arguments());
  return expression.filter(*this, target, lease.arguments());
}

bool Renderer::WriteFiltered(const Expression& expression) {
  constexpr size_t kMaxArguments = 4;
  if (expression.kind != ExpressionKind::kFilter || expression.children[0] == nullptr ||
      !expression.keywords.empty() || expression.star_arguments ||
      expression.double_star_arguments || expression.arguments.size() > kMaxArguments) {
    return false;
  }
  if (expression.appender == nullptr) return false;
  // In EvaluateFilter's order: the target, then the arguments; literals read in place. A local
  // target (`value|round(4)`) is read in place too when every argument is a literal: nothing
  // runs between the lookup and the call that could change its frame.
  size_t count = expression.arguments.size();
  bool literal_arguments = true;
  for (size_t i = 0; i < count; ++i) {
    if (expression.arguments[i]->kind != ExpressionKind::kLiteral) literal_arguments = false;
  }
  const Expression& target_expression = *expression.children[0];
  const Value* local = nullptr;
  if (literal_arguments && target_expression.kind == ExpressionKind::kName &&
      !target_expression.context_name) {
    local = FindLocal(target_expression.name);
  }
  std::optional<Value> evaluated_target;
  const Value& target =
      local != nullptr ? *local : evaluated_target.emplace(Evaluate(target_expression));
  std::array<const Value*, kMaxArguments> arguments;
  if (literal_arguments) {
    for (size_t i = 0; i < count; ++i) arguments[i] = &expression.arguments[i]->constant;
    WriteFilterCall(expression, target, {arguments.data(), count});
    return true;
  }
  std::array<std::optional<Value>, kMaxArguments> evaluated;
  for (size_t i = 0; i < count; ++i) {
    const Expression& argument = *expression.arguments[i];
    arguments[i] = argument.kind == ExpressionKind::kLiteral
                       ? &argument.constant
                       : &evaluated[i].emplace(Evaluate(argument));
  }
  WriteFilterCall(expression, target, {arguments.data(), count});
  return true;
}

void Renderer::WriteFilterCall(const Expression& expression, const Value& target,
                               std::span<const Value* const> arguments) {
  size_t before = output_->size();
  try {
    AppendedFilterCall call{target, arguments, limits_.max_string_bytes};
    if (expression.appender(call, output_)) {
      CountOutput(output_->size() - before);
    } else if (arguments.empty()) {
      WriteValue(expression.filter(*this, target, no_arguments_));
    } else {
      ArgumentsLease lease(*this);
      for (const Value* argument : arguments) lease.arguments().positional.push_back(*argument);
      WriteValue(expression.filter(*this, target, lease.arguments()));
    }
  } catch (const EvalError& error) {
    Fail(error.type, error.message, expression.location);
  }
}

Value Renderer::CallFilter(std::string_view name, const Value& target, CallArguments& arguments) {
  FilterFunction function = FindFilter(name);
  if (function == nullptr)
    ThrowEval("TemplateRuntimeError", "No filter named '" + std::string(name) + "'.");
  return function(*this, target, arguments);
}

Value Renderer::EvaluateTest(const Expression& expression) {
  Value target = Evaluate(*expression.children[0]);
  if (!HasArguments(expression)) {
    return Value::Boolean(expression.test(*this, target, no_arguments_));
  }
  ArgumentsLease lease(*this);
  EvaluateArguments(expression, &lease.arguments());
  return Value::Boolean(expression.test(*this, target, lease.arguments()));
}

bool Renderer::CallTest(std::string_view name, const Value& target, CallArguments& arguments) {
  TestFunction function = FindTest(name);
  if (function == nullptr)
    ThrowEval("TemplateRuntimeError", "No test named '" + std::string(name) + "'.");
  return function(*this, target, arguments);
}

}  // namespace runhook::templating
