// Macros, bound methods and global functions. See callables.h.
#include "template/callables.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "template/arguments.h"
#include "template/errors.h"
#include "template/formatting.h"
#include "template/printing.h"
#include "template/string_methods.h"

namespace runhook::templating {
namespace {

int64_t RequireInt(const Value& value) {
  if (value.is_int() || value.is_bool()) return value.as_int();
  ThrowEval("TypeError",
            "'" + std::string(TypeName(value)) + "' object cannot be interpreted as an integer");
}

class RangeFunction : public Callable {
 public:
  Value Call(Renderer& renderer, CallArguments& arguments) const override {
    if (!arguments.keywords.empty()) ThrowEval("TypeError", "range() takes no keyword arguments");
    const ValueList& args = arguments.positional;
    for (const Value& arg : args) renderer.RequireDefined(arg);
    int64_t start = 0, stop = 0, step = 1;
    if (args.size() == 1) {
      stop = RequireInt(args[0]);
    } else if (args.size() == 2 || args.size() == 3) {
      start = RequireInt(args[0]);
      stop = RequireInt(args[1]);
      if (args.size() == 3) step = RequireInt(args[2]);
    } else {
      ThrowEval("TypeError", args.empty() ? "range expected at least 1 argument, got 0"
                                          : "range expected at most 3 arguments, got " +
                                                std::to_string(args.size()));
    }
    if (step == 0) ThrowEval("ValueError", "range() arg 3 must not be zero");
    __int128 span = step > 0 ? (__int128)stop - start : (__int128)start - stop;
    __int128 magnitude = step > 0 ? step : -(__int128)step;
    __int128 length = span <= 0 ? 0 : (span + magnitude - 1) / magnitude;
    if (length > static_cast<__int128>(renderer.limits().max_range_length)) {
      ThrowEval("OverflowError",
                "Range too big. The sandbox blocks ranges larger than MAX_RANGE (" +
                    std::to_string(renderer.limits().max_range_length) + ").");
    }
    ValueList items;
    items.reserve(static_cast<size_t>(length));
    int64_t value = start;
    for (__int128 i = 0; i < length; ++i) {
      items.push_back(Value::Integer(value));
      value += step;
    }
    return Value::List(std::move(items));
  }
  std::string Repr() const override { return "<class 'range'>"; }
  std::string_view TypeName() const override { return "type"; }
};

class DictFunction : public Callable {
 public:
  Value Call(Renderer& renderer, CallArguments& arguments) const override {
    Value dict = Value::Dict({});
    if (arguments.positional.size() > 1)
      ThrowEval("TypeError", "dict expected at most 1 argument, got " +
                                 std::to_string(arguments.positional.size()));
    if (arguments.positional.size() == 1) {
      const Value& source = arguments.positional[0];
      if (source.is_dict()) {
        for (auto& [key, value] : source.DictItems()) dict.DictSet(key, value);
      } else {
        for (const Value& pair : renderer.Iterate(source)) {
          ValueList items = renderer.Iterate(pair);
          if (items.size() != 2) {
            ThrowEval("ValueError", "dictionary update sequence element has length " +
                                        std::to_string(items.size()) + "; 2 is required");
          }
          dict.DictSet(items[0], items[1]);
        }
      }
    }
    for (auto& [key, value] : arguments.keywords) dict.DictSet(Value::String(key), value);
    return dict;
  }
  std::string Repr() const override { return "<class 'dict'>"; }
  std::string_view TypeName() const override { return "type"; }
};

class NamespaceFunction : public Callable {
 public:
  Value Call(Renderer& renderer, CallArguments& arguments) const override {
    Value result = Value::NewNamespace();
    auto& attributes = result.as_namespace().attributes;
    auto set = [&](const Value& key, const Value& value) {
      for (auto& entry : attributes) {
        if (PythonEquals(entry.first, key)) {
          entry.second = value;
          return;
        }
      }
      attributes.emplace_back(key, value);
    };
    for (const Value& source : arguments.positional) {
      if (!source.is_dict()) ThrowEval("TypeError", "namespace() takes a mapping");
      for (auto& [key, value] : source.DictItems()) set(key, value);
    }
    for (auto& [key, value] : arguments.keywords) set(Value::String(key), value);
    return result;
  }
  std::string Repr() const override { return "<class 'jinja2.utils.Namespace'>"; }
  std::string_view TypeName() const override { return "type"; }
};

class Joiner : public Callable {
 public:
  explicit Joiner(std::string separator) : separator_(std::move(separator)) {}
  Value Call(Renderer&, CallArguments&) const override {
    if (!used_) {
      used_ = true;
      return Value::String("");
    }
    return Value::String(separator_);
  }
  std::string Repr() const override { return "<jinja2.utils.Joiner object>"; }
  std::string_view TypeName() const override { return "Joiner"; }

 private:
  std::string separator_;
  mutable bool used_ = false;  // per-render object: created by joiner() during one render
};

class JoinerFunction : public Callable {
 public:
  Value Call(Renderer& renderer, CallArguments& arguments) const override {
    BoundArguments bound = BindArguments(arguments, {"sep"}, "joiner");
    std::string separator = bound.Has(0) ? renderer.ToText(bound[0]) : ", ";
    return Value::FromCallable(std::make_shared<Joiner>(std::move(separator)));
  }
  std::string Repr() const override { return "<class 'jinja2.utils.Joiner'>"; }
  std::string_view TypeName() const override { return "type"; }
};

Value CallLoopMethod(Renderer& renderer, const Value& object, std::string_view name,
                     CallArguments& arguments) {
  LoopData& loop = object.as_loop();
  if (name == "cycle") {
    if (arguments.positional.empty()) ThrowEval("TypeError", "no items for cycling given");
    return arguments.positional[loop.index0 % arguments.positional.size()];
  }
  // changed(*values): true when the values differ from the previous call's.
  Value current = Value::List(arguments.positional);
  if (loop.has_changed_value && PythonEquals(loop.changed_value, current))
    return Value::Boolean(false);
  loop.has_changed_value = true;
  loop.changed_value = current;
  return Value::Boolean(true);
}

Value CallDictMethod(Renderer& renderer, const Value& object, std::string_view name,
                     CallArguments& arguments) {
  if (name == "get") {
    BoundArguments bound = BindArguments(arguments, {"key", "default"}, "get", 1);
    Value found;
    if (object.DictFind(bound[0], &found)) return found;
    return bound.Has(1) ? bound[1] : Value::None();
  }
  BindArguments(arguments, {}, name);
  if (name == "items") {
    ValueList items;
    for (auto& [key, value] : object.DictItems()) items.push_back(Value::Pair(key, value));
    return Value::List(std::move(items));
  }
  if (name == "keys" || name == "values") {
    ValueList items;
    for (auto& [key, value] : object.DictItems()) items.push_back(name == "keys" ? key : value);
    return Value::List(std::move(items));
  }
  if (name == "copy") return Value::Dict(object.DictItems());
  ThrowEval("SecurityError", "a dict cannot be modified by a template");
}

Value CallListMethod(Renderer& renderer, const Value& object, std::string_view name,
                     CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"value"}, name, 1);
  ValueList items = object.SequenceItems();
  if (name == "count") {
    int64_t count = 0;
    for (const Value& item : items) count += PythonEquals(item, bound[0]) ? 1 : 0;
    return Value::Integer(count);
  }
  if (name == "index") {
    for (size_t i = 0; i < items.size(); ++i) {
      if (PythonEquals(items[i], bound[0])) return Value::Integer(static_cast<int64_t>(i));
    }
    ThrowEval("ValueError", Repr(bound[0]) + " is not in " + std::string(TypeName(object)));
  }
  ThrowEval("SecurityError", "a list cannot be modified by a template");
}

}  // namespace

bool FindGlobal(std::string_view name, Value* found) {
  static const Value kRange = Value::FromCallable(std::make_shared<RangeFunction>());
  static const Value kDict = Value::FromCallable(std::make_shared<DictFunction>());
  static const Value kNamespace = Value::FromCallable(std::make_shared<NamespaceFunction>());
  static const Value kJoiner = Value::FromCallable(std::make_shared<JoinerFunction>());
  if (name == "range") {
    *found = kRange;
  } else if (name == "dict") {
    *found = kDict;
  } else if (name == "namespace") {
    *found = kNamespace;
  } else if (name == "joiner") {
    *found = kJoiner;
  } else {
    return false;
  }
  return true;
}

namespace {

constexpr std::string_view kDictMethods[] = {"items", "keys",    "values",     "get",    "copy",
                                             "pop",   "popitem", "setdefault", "update", "clear"};
constexpr std::string_view kListMethods[] = {"count", "index",  "append",  "extend", "insert",
                                             "pop",   "remove", "reverse", "sort",   "clear"};

bool KindHasMethod(Value::Kind kind, std::string_view name) {
  auto any_of = [name](const auto& names) {
    for (std::string_view candidate : names) {
      if (candidate == name) return true;
    }
    return false;
  };
  switch (kind) {
    case Value::Kind::kString:
      return IsStringMethod(name);
    case Value::Kind::kDict:
      return any_of(kDictMethods);
    case Value::Kind::kList:
      return any_of(kListMethods);
    case Value::Kind::kTuple:
      return name == "count" || name == "index";
    case Value::Kind::kLoop:
      return name == "cycle" || name == "changed";
    default:
      return false;
  }
}

}  // namespace

bool HasMethod(const Value& object, std::string_view name) {
  return KindHasMethod(object.kind(), name);
}

bool MayBeMethodName(std::string_view name) {
  // Built once: every name KindHasMethod accepts for some kind.
  static const std::unordered_set<std::string_view> kNames = [] {
    std::unordered_set<std::string_view> names(StringMethodNames().begin(),
                                               StringMethodNames().end());
    for (const auto* list : {&kDictMethods, &kListMethods}) {
      names.insert(std::begin(*list), std::end(*list));
    }
    names.insert({"count", "index", "cycle", "changed"});
    return names;
  }();
  return kNames.count(name) != 0;
}

Value CallMethod(Renderer& renderer, const Value& object, std::string_view name,
                 CallArguments& arguments) {
  switch (object.kind()) {
    case Value::Kind::kString:
      return CallStringMethod(renderer, object, name, arguments);
    case Value::Kind::kDict:
      return CallDictMethod(renderer, object, name, arguments);
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return CallListMethod(renderer, object, name, arguments);
    case Value::Kind::kLoop:
      return CallLoopMethod(renderer, object, name, arguments);
    default:
      ThrowEval("TypeError", "no method " + std::string(name));
  }
}

Value MacroCallable::Call(Renderer& renderer, CallArguments& arguments) const {
  return renderer.RenderMacro(statement_, closure_, arguments, caller_);
}

Value BoundMethod::Call(Renderer& renderer, CallArguments& arguments) const {
  return CallMethod(renderer, object_, name_, arguments);
}

std::string BoundMethod::Repr() const {
  return "<built-in method " + name_ + " of " + std::string(templating::TypeName(object_)) +
         " object>";
}

Value LoopRecursion::Call(Renderer& renderer, CallArguments& arguments) const {
  BoundArguments bound = BindArguments(arguments, {"iterable"}, "loop", 1);
  return renderer.RenderLoopRecursion(loop_, bound[0], depth_ + 1);
}

}  // namespace runhook::templating
