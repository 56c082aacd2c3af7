// Value construction and container access. See value.h.
#include "template/value.h"

#include <string>

#include "template/errors.h"
#include "template/operators.h"

namespace runhook::templating {

Value Value::Boolean(bool value) {
  Value result;
  result.kind_ = Kind::kBool;
  result.boolean_ = value;
  return result;
}

Value Value::Integer(int64_t value) {
  Value result;
  result.kind_ = Kind::kInt;
  result.integer_ = value;
  return result;
}

Value Value::Float(double value) {
  Value result;
  result.kind_ = Kind::kFloat;
  result.floating_ = value;
  return result;
}

Value Value::String(std::string text, bool markup) {
  Value result;
  result.kind_ = Kind::kString;
  result.markup_ = markup;
  result.object_ = std::make_shared<const std::string>(std::move(text));
  return result;
}

Value Value::BorrowedString(const std::string& text) {
  Value result;
  result.kind_ = Kind::kString;
  result.borrowed_json_ = true;
  result.borrowed_string_ = &text;
  return result;
}

Value Value::List(ValueList items) {
  Value result;
  result.kind_ = Kind::kList;
  result.object_ = std::make_shared<const ValueList>(std::move(items));
  return result;
}

Value Value::Tuple(ValueList items) {
  Value result = List(std::move(items));
  result.kind_ = Kind::kTuple;
  return result;
}

Value Value::SharedList(std::shared_ptr<const ValueList> items) {
  Value result;
  result.kind_ = Kind::kList;
  result.object_ = std::move(items);
  return result;
}

Value Value::Pair(Value first, Value second) {
  return SharedPair(std::make_shared<const std::array<Value, 2>>(
      std::array<Value, 2>{std::move(first), std::move(second)}));
}

Value Value::SharedPair(std::shared_ptr<const std::array<Value, 2>> pair) {
  Value result;
  result.kind_ = Kind::kTuple;
  result.pair_ = true;
  result.object_ = std::move(pair);
  return result;
}

Value Value::Dict(DictEntries entries) {
  Value result;
  result.kind_ = Kind::kDict;
  result.object_ = std::make_shared<DictEntries>(std::move(entries));
  return result;
}

Value Value::FromJson(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null:
      return None();
    case Json::value_t::boolean:
      return Boolean(*json.get_ptr<const Json::boolean_t*>());
    case Json::value_t::number_integer:
      return Integer(*json.get_ptr<const Json::number_integer_t*>());
    case Json::value_t::number_unsigned: {
      uint64_t value = *json.get_ptr<const Json::number_unsigned_t*>();
      if (value > static_cast<uint64_t>(INT64_MAX)) {
        ThrowEval("OverflowError", "the integer " + std::to_string(value) +
                                       " in the render context does not fit in 64 bits");
      }
      return Integer(static_cast<int64_t>(value));
    }
    case Json::value_t::number_float:
      return Float(*json.get_ptr<const Json::number_float_t*>());
    case Json::value_t::string:
      return BorrowedString(*json.get_ptr<const Json::string_t*>());
    case Json::value_t::array:
    case Json::value_t::object: {
      Value result;
      result.kind_ = json.is_array() ? Kind::kList : Kind::kDict;
      result.borrowed_json_ = true;
      result.json_ = &json;
      return result;
    }
    default:
      return None();
  }
}

Value Value::Undefined(std::string path, std::string hint, bool lenient) {
  Value result;
  result.kind_ = Kind::kUndefined;
  result.object_ = std::make_shared<const UndefinedData>(
      UndefinedData{std::move(path), std::move(hint), lenient});
  return result;
}

Value Value::FromCallable(std::shared_ptr<const Callable> callable) {
  Value result;
  result.kind_ = Kind::kCallable;
  result.object_ = std::move(callable);
  return result;
}

Value Value::NewNamespace() {
  Value result;
  result.kind_ = Kind::kNamespace;
  result.object_ = std::make_shared<NamespaceData>();
  return result;
}

Value Value::FromLoop(std::shared_ptr<LoopData> loop) {
  Value result;
  result.kind_ = Kind::kLoop;
  result.object_ = std::move(loop);
  return result;
}

double Value::as_double() const {
  switch (kind_) {
    case Kind::kFloat:
      return floating_;
    case Kind::kInt:
      return static_cast<double>(integer_);
    case Kind::kBool:
      return boolean_ ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

const Callable& Value::as_callable() const { return *static_cast<const Callable*>(object_.get()); }

const UndefinedData& Value::as_undefined() const {
  static const UndefinedData kAnonymous{"", "'<undefined>' is undefined"};
  if (!object_) return kAnonymous;
  return *static_cast<const UndefinedData*>(object_.get());
}

// Namespaces and loops are the only mutable objects; they are created by one render and
// mutated only by it.
NamespaceData& Value::as_namespace() const {
  return *const_cast<NamespaceData*>(static_cast<const NamespaceData*>(object_.get()));
}

LoopData& Value::as_loop() const {
  return *const_cast<LoopData*>(static_cast<const LoopData*>(object_.get()));
}

Value LoopData::ItemAt(size_t index) const {
  if (items) return (*items)[index];
  const JsonEntry& entry = json_entries[index];
  return Value::Pair(Value::BorrowedString(*entry.key), Value::FromJson(*entry.value));
}

Value Value::WithMarkup(bool markup) const {
  Value result = *this;
  result.markup_ = markup;
  return result;
}

size_t Value::SequenceSize() const {
  if (borrowed_json_) return json_->size();
  if (pair_) return 2;
  return static_cast<const ValueList*>(object_.get())->size();
}

Value Value::SequenceAt(size_t index) const {
  if (borrowed_json_) return FromJson((*json_)[index]);
  if (pair_) return (*static_cast<const std::array<Value, 2>*>(object_.get()))[index];
  return (*static_cast<const ValueList*>(object_.get()))[index];
}

ValueList Value::SequenceItems() const {
  if (pair_) {
    const auto& pair = *static_cast<const std::array<Value, 2>*>(object_.get());
    return ValueList{pair[0], pair[1]};
  }
  if (!borrowed_json_) return *static_cast<const ValueList*>(object_.get());
  ValueList items;
  items.reserve(json_->size());
  for (const Json& item : *json_) items.push_back(FromJson(item));
  return items;
}

std::shared_ptr<const ValueList> Value::SharedSequence() const {
  if (borrowed_json_ || pair_ || !is_sequence()) return nullptr;
  return std::static_pointer_cast<const ValueList>(object_);
}

size_t Value::DictSize() const {
  if (borrowed_json_) return json_->size();
  return static_cast<const DictEntries*>(object_.get())->size();
}

bool Value::DictFindString(std::string_view key, Value* found) const {
  if (borrowed_json_) {
    for (const auto& [entry_key, entry_value] : json_->get_ref<const Json::object_t&>()) {
      if (SameText(entry_key, key)) {
        *found = FromJson(entry_value);
        return true;
      }
    }
    return false;
  }
  for (const auto& [entry_key, entry_value] : *static_cast<const DictEntries*>(object_.get())) {
    if (entry_key.is_string() && entry_key.as_string() == key) {
      *found = entry_value;
      return true;
    }
  }
  return false;
}

bool Value::DictFind(const Value& key, Value* found) const {
  if (key.is_string()) return DictFindString(key.as_string(), found);
  if (borrowed_json_) return false;  // JSON objects have string keys only
  for (const auto& [entry_key, entry_value] : *static_cast<const DictEntries*>(object_.get())) {
    if (PythonEquals(entry_key, key)) {
      *found = entry_value;
      return true;
    }
  }
  return false;
}

DictEntries Value::DictItems() const {
  if (!borrowed_json_) return *static_cast<const DictEntries*>(object_.get());
  DictEntries entries;
  entries.reserve(json_->size());
  for (const auto& [key, value] : json_->get_ref<const Json::object_t&>()) {
    entries.emplace_back(BorrowedString(key), FromJson(value));
  }
  return entries;
}

void Value::DictSet(const Value& key, Value value) {
  if (borrowed_json_) {
    DictEntries copy = DictItems();
    borrowed_json_ = false;
    object_ = std::make_shared<DictEntries>(std::move(copy));
  }
  auto* entries = const_cast<DictEntries*>(static_cast<const DictEntries*>(object_.get()));
  for (auto& entry : *entries) {
    if (PythonEquals(entry.first, key)) {
      entry.second = std::move(value);
      return;
    }
  }
  entries->emplace_back(key, std::move(value));
}

std::string_view TypeName(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "NoneType";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return value.is_markup() ? "Markup" : "str";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kTuple:
      return "tuple";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kCallable:
      return value.as_callable().TypeName();
    case Value::Kind::kNamespace:
      return "Namespace";
    case Value::Kind::kLoop:
      return "LoopContext";
  }
  return "object";
}

}  // namespace runhook::templating
