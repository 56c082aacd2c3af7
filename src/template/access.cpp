// Attribute, item and slice access with Jinja2's fallbacks (getattr then item, item then
// getattr) and its undefined messages. See renderer.h.
#include <cmath>

#include "template/callables.h"
#include "template/errors.h"
#include "template/printing.h"
#include "template/renderer.h"
#include "template/unicode.h"

namespace runhook::templating {
namespace {

// jinja2.utils.object_type_repr
std::string ObjectTypeRepr(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kNamespace:
      return "jinja2.utils.Namespace object";
    case Value::Kind::kLoop:
      return "jinja2.runtime.LoopContext object";
    case Value::Kind::kCallable:
      return "jinja2.runtime.Macro object";
    default:
      if (value.is_markup()) return "markupsafe.Markup object";
      return std::string(TypeName(value)) + " object";
  }
}

Value MissingAttribute(const Value& object, std::string_view name, const std::string& parent) {
  return Value::Undefined(
      parent.empty() ? "" : parent + "." + std::string(name),
      "'" + ObjectTypeRepr(object) + "' has no attribute '" + std::string(name) + "'");
}

bool ToIndex(const Value& key, int64_t* index) {
  if (key.is_int() || key.is_bool()) {
    *index = key.as_int();
    return true;
  }
  return false;
}

Value StringCharacter(std::string_view text, int64_t index, bool* found) {
  std::vector<uint32_t> code_points = DecodeUtf8(text);
  int64_t size = static_cast<int64_t>(code_points.size());
  if (index < 0) index += size;
  if (index < 0 || index >= size) {
    *found = false;
    return Value();
  }
  *found = true;
  std::string character;
  AppendUtf8(code_points[static_cast<size_t>(index)], &character);
  return Value::String(std::move(character));
}

}  // namespace

Value Renderer::GetAttribute(const Value& object, std::string_view name, const Expression* source,
                             bool may_be_method) {
  auto parent = [&] { return source ? PathOf(*source) : std::string(); };
  if (!name.empty() && name[0] == '_' && !object.is_dict()) {
    return Value::Undefined(parent().empty() ? "" : parent() + "." + std::string(name),
                            "access to attribute '" + std::string(name) + "' of '" +
                                std::string(TypeName(object)) + "' object is unsafe.");
  }
  switch (object.kind()) {
    case Value::Kind::kDict: {
      if (may_be_method && HasMethod(object, name)) {
        return Value::FromCallable(std::make_shared<BoundMethod>(object, std::string(name)));
      }
      Value found;
      if (object.DictFindString(name, &found)) return found;
      break;
    }
    case Value::Kind::kNamespace:
      for (const auto& [key, value] : object.as_namespace().attributes) {
        if (key.as_string() == name) return value;
      }
      break;
    case Value::Kind::kLoop: {
      const LoopData& loop = object.as_loop();
      int64_t length = static_cast<int64_t>(loop.length);
      int64_t index0 = static_cast<int64_t>(loop.index0);
      if (name == "index") return Value::Integer(index0 + 1);
      if (name == "index0") return Value::Integer(index0);
      if (name == "revindex") return Value::Integer(length - index0);
      if (name == "revindex0") return Value::Integer(length - index0 - 1);
      if (name == "first") return Value::Boolean(index0 == 0);
      if (name == "last") return Value::Boolean(index0 == length - 1);
      if (name == "length") return Value::Integer(length);
      if (name == "depth") return Value::Integer(loop.depth0 + 1);
      if (name == "depth0") return Value::Integer(loop.depth0);
      if (name == "previtem") {
        if (index0 == 0) return Value::Undefined("", "there is no previous item");
        return loop.ItemAt(loop.index0 - 1);
      }
      if (name == "nextitem") {
        if (index0 + 1 >= length) return Value::Undefined("", "there is no next item");
        return loop.ItemAt(loop.index0 + 1);
      }
      if (may_be_method && HasMethod(object, name)) {
        return Value::FromCallable(std::make_shared<BoundMethod>(object, std::string(name)));
      }
      break;
    }
    case Value::Kind::kUndefined:
      RequireDefined(object);
      break;
    case Value::Kind::kTuple:
      // groupby's (grouper, list) pairs are named tuples in Jinja2.
      if (object.SequenceSize() == 2 && (name == "grouper" || name == "list")) {
        return object.SequenceAt(name == "grouper" ? 0 : 1);
      }
      [[fallthrough]];
    default:
      if (may_be_method && HasMethod(object, name)) {
        return Value::FromCallable(std::make_shared<BoundMethod>(object, std::string(name)));
      }
  }
  return MissingAttribute(object, name, parent());
}

Value Renderer::GetItem(const Value& object, const Value& key, const Expression* source) {
  auto parent = [&] { return source ? PathOf(*source) : std::string(); };
  int64_t index = 0;
  switch (object.kind()) {
    case Value::Kind::kDict: {
      if (key.is_list() || key.is_dict()) {
        ThrowEval("TypeError", "unhashable type: '" + std::string(TypeName(key)) + "'");
      }
      Value found;
      if (object.DictFind(key, &found)) return found;
      break;
    }
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      if (ToIndex(key, &index)) {
        int64_t size = static_cast<int64_t>(object.SequenceSize());
        if (index < 0) index += size;
        if (index >= 0 && index < size) return object.SequenceAt(static_cast<size_t>(index));
      }
      break;
    case Value::Kind::kString:
      if (ToIndex(key, &index)) {
        bool found = false;
        Value character = StringCharacter(object.as_string(), index, &found);
        if (found) return character;
      }
      break;
    case Value::Kind::kUndefined:
      RequireDefined(object);
      break;
    default:
      break;
  }
  if (key.is_string()) {
    Value attribute = GetAttribute(object, key.as_string(), nullptr);
    if (!attribute.is_undefined() || attribute.as_undefined().hint.rfind("access", 0) == 0) {
      return attribute;
    }
    std::string path = parent();
    if (!path.empty()) {
      std::string_view text = key.as_string();
      path += "." + std::string(text);
    }
    return Value::Undefined(path, "'" + ObjectTypeRepr(object) + "' has no attribute '" +
                                      std::string(key.as_string()) + "'");
  }
  std::string path = parent();
  if (!path.empty()) path += "[" + Repr(key) + "]";
  return Value::Undefined(path, ObjectTypeRepr(object) + " has no element " + Repr(key));
}

Value Renderer::GetAttributePath(const Value& object, std::string_view dotted) {
  Value current = object;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start);
    bool digits = !part.empty();
    for (char c : part) digits = digits && c >= '0' && c <= '9';
    if (digits) {
      current = GetItem(current, Value::Integer(std::stoll(std::string(part))), nullptr);
    } else {
      current = GetItem(current, Value::String(std::string(part)), nullptr);
    }
    if (dot == std::string_view::npos || current.is_undefined()) return current;
    start = dot + 1;
  }
}

Value Renderer::EvaluateSlice(const Expression& expression) {
  Value object = Evaluate(*expression.children[0]);
  int64_t parts[3] = {0, 0, 1};
  bool given[3] = {false, false, false};
  for (int i = 0; i < 3; ++i) {
    const ExpressionPtr& part = expression.children[static_cast<size_t>(i) + 1];
    if (!part) continue;
    Value value = Evaluate(*part);
    if (value.is_none()) continue;
    RequireDefined(value);
    if (!ToIndex(value, &parts[i])) {
      // Python raises TypeError, which Jinja2's getitem turns into an undefined value.
      if (object.is_dict()) break;
      return Value::Undefined("", std::string(TypeName(object)) + " object has no element slice");
    }
    given[i] = true;
  }
  if (object.is_undefined()) {
    if (mode_ == UndefinedMode::kChainable) return object;
    RequireDefined(object);
  }
  int64_t step = parts[2];
  if (step == 0) ThrowEval("ValueError", "slice step cannot be zero");
  std::vector<uint32_t> code_points;
  int64_t length;
  if (object.is_string()) {
    code_points = DecodeUtf8(object.as_string());
    length = static_cast<int64_t>(code_points.size());
  } else if (object.is_sequence()) {
    length = static_cast<int64_t>(object.SequenceSize());
  } else {
    ThrowEval("TypeError", "'" + std::string(TypeName(object)) + "' object is not subscriptable");
  }
  auto adjust = [&](int64_t value, bool is_given, int64_t fallback) {
    if (!is_given) return fallback;
    if (value < 0) {
      value += length;
      if (value < 0) value = step < 0 ? -1 : 0;
    } else if (value >= length) {
      value = step < 0 ? length - 1 : length;
    }
    return value;
  };
  int64_t start = adjust(parts[0], given[0], step < 0 ? length - 1 : 0);
  int64_t stop = adjust(parts[1], given[1], step < 0 ? -1 : length);
  std::vector<int64_t> indices;
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) indices.push_back(i);
  } else {
    for (int64_t i = start; i > stop; i += step) indices.push_back(i);
  }
  if (object.is_string()) {
    std::string out;
    for (int64_t i : indices) AppendUtf8(code_points[static_cast<size_t>(i)], &out);
    return Value::String(std::move(out), object.is_markup());
  }
  ValueList items;
  for (int64_t i : indices) items.push_back(object.SequenceAt(static_cast<size_t>(i)));
  return object.is_tuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
}

}  // namespace runhook::templating
