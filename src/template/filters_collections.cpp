// Filters over sequences and mappings: batch, dictsort, first, groupby, join, map, select, sort,
// sum, unique, ... (jinja2/filters.py).
#include <algorithm>
#include <array>

#include "template/filter_support.h"
#include "template/json_dump.h"
#include "template/operators.h"
#include "template/printing.h"
#include "template/unicode.h"

namespace runhook::templating {

Value IgnoreCase(const Value& value) {
  if (!value.is_string()) return value;
  // Most keys are lowercase ASCII already: lower() would return an equal string.
  for (char c : value.as_string()) {
    if ((c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80) {
      return Value::String(PythonLower(value.as_string()));
    }
  }
  return value;
}

int64_t IntArgument(const Value& value, std::string_view what) {
  if (value.is_int() || value.is_bool()) return value.as_int();
  if (value.is_float())
    ThrowEval("TypeError", "'float' object cannot be interpreted as an integer");
  ThrowEval("TypeError",
            "'" + std::string(TypeName(value)) + "' object cannot be interpreted as an integer");
}

std::function<Value(const Value&)> MakeAttributeGetter(Renderer& renderer, const Value& attribute,
                                                       const Value* fallback, bool lower) {
  std::vector<Value> parts;
  if (attribute.is_string()) {
    std::string_view text = attribute.as_string();
    size_t start = 0;
    while (true) {
      size_t dot = text.find('.', start);
      std::string part(text.substr(start, dot == std::string_view::npos ? text.npos : dot - start));
      bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
      parts.push_back(digits ? Value::Integer(std::stoll(part)) : Value::String(part));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  } else if (!attribute.is_none()) {
    parts.push_back(attribute);
  }
  Value default_value = fallback ? *fallback : Value();
  bool has_default = fallback != nullptr;
  return [&renderer, parts, default_value, has_default, lower](const Value& item) {
    Value current = item;
    for (const Value& part : parts) {
      current = renderer.GetItem(current, part);
      if (current.is_undefined()) {
        if (has_default) {
          current = default_value;
          break;
        }
        break;
      }
    }
    return lower ? IgnoreCase(current) : current;
  };
}

namespace {

ValueList Iterate(Renderer& renderer, const Value& value) { return renderer.Iterate(value); }

void SortValues(ValueList* items, const std::function<Value(const Value&)>& key, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  keyed.reserve(items->size());
  for (Value& item : *items) keyed.emplace_back(key(item), std::move(item));
  auto less = [](const auto& a, const auto& b) { return PythonLess(a.first, b.first); };
  if (reverse) {
    // Python's sorted(reverse=True) keeps equal elements in original order.
    std::stable_sort(keyed.begin(), keyed.end(),
                     [&](const auto& a, const auto& b) { return less(b, a); });
  } else {
    std::stable_sort(keyed.begin(), keyed.end(), less);
  }
  items->clear();
  for (auto& entry : keyed) items->push_back(std::move(entry.second));
}

// select/reject: the test named by the first argument (or truthiness without one).
Value SelectOrReject(Renderer& renderer, const Value& target, CallArguments& arguments, bool select,
                     bool by_attribute) {
  CallArguments test_arguments;
  std::function<Value(const Value&)> getter = [](const Value& v) { return v; };
  size_t next = 0;
  if (by_attribute) {
    if (arguments.positional.empty())
      ThrowEval("TypeError", "Missing parameter for attribute name");
    getter = MakeAttributeGetter(renderer, arguments.positional[0], nullptr, false);
    next = 1;
  }
  std::string test_name;
  if (arguments.positional.size() > next) {
    if (!arguments.positional[next].is_string())
      ThrowEval("TypeError", "test name must be a string");
    test_name = std::string(arguments.positional[next].as_string());
    test_arguments.positional.assign(arguments.positional.begin() + static_cast<long>(next) + 1,
                                     arguments.positional.end());
    test_arguments.keywords = arguments.keywords;
  }
  ValueList kept;
  for (const Value& item : Iterate(renderer, target)) {
    Value subject = getter(item);
    bool passed;
    if (test_name.empty()) {
      passed = renderer.IsTruthy(subject);
    } else {
      CallArguments copy = test_arguments;
      passed = renderer.CallTest(test_name, subject, copy);
    }
    if (passed == select) kept.push_back(item);
  }
  return Value::List(std::move(kept));
}

Value MinMax(Renderer& renderer, const Value& target, CallArguments& arguments, bool maximum) {
  BoundArguments bound =
      BindArguments(arguments, {"case_sensitive", "attribute"}, maximum ? "do_max" : "do_min");
  bool case_sensitive = bound.Has(0) && Truthy(bound[0]);
  ValueList items = Iterate(renderer, target);
  if (items.empty()) return Value::Undefined("", "No aggregated item, sequence was empty.");
  auto key =
      MakeAttributeGetter(renderer, bound.Has(1) ? bound[1] : Value(), nullptr, !case_sensitive);
  Value best = items[0];
  Value best_key = key(best);
  for (size_t i = 1; i < items.size(); ++i) {
    Value candidate_key = key(items[i]);
    bool better =
        maximum ? PythonLess(best_key, candidate_key) : PythonLess(candidate_key, best_key);
    if (better) {
      best = items[i];
      best_key = candidate_key;
    }
  }
  return best;
}

}  // namespace

Value FilterBatch(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"linecount", "fill_with"}, "do_batch", 1);
  int64_t count = IntArgument(bound[0], "linecount");
  ValueList result, current;
  for (const Value& item : Iterate(renderer, target)) {
    if (static_cast<int64_t>(current.size()) == count) {
      result.push_back(Value::List(std::move(current)));
      current.clear();
    }
    current.push_back(item);
  }
  if (!current.empty()) {
    if (bound.Has(1) && !bound[1].is_none()) {
      while (static_cast<int64_t>(current.size()) < count) current.push_back(bound[1]);
    }
    result.push_back(Value::List(std::move(current)));
  }
  return Value::List(std::move(result));
}

namespace {

// Python's < on two str keys, lowercased first unless `case_sensitive`. REQUIRES: both ASCII
// when not case sensitive (UTF-8 bytes compare in code point order).
bool KeyLess(std::string_view left, std::string_view right, bool case_sensitive) {
  if (case_sensitive) return left < right;
  size_t common = std::min(left.size(), right.size());
  for (size_t i = 0; i < common; ++i) {
    unsigned char a = static_cast<unsigned char>(left[i]);
    unsigned char b = static_cast<unsigned char>(right[i]);
    if (a >= 'A' && a <= 'Z') a = static_cast<unsigned char>(a + 32);
    if (b >= 'A' && b <= 'Z') b = static_cast<unsigned char>(b + 32);
    if (a != b) return a < b;
  }
  return left.size() < right.size();
}

}  // namespace

bool SortJsonEntriesByKey(const Json& object, bool case_sensitive, bool reverse, JsonEntry* entries,
                          size_t* count) {
  size_t found = 0;
  unsigned char high_bits = 0;  // any byte >= 0x80 in a key
  for (const auto& [key, value] : object.get_ref<const Json::object_t&>()) {
    if (found == LoopData::kMaxJsonEntries) return false;
    if (!case_sensitive) {
      for (char c : key) high_bits |= static_cast<unsigned char>(c);
    }
    entries[found++] = JsonEntry{&key, &value};
  }
  if (high_bits >= 0x80) return false;
  // Insertion sort: stable, as Python's sorted.
  for (size_t i = 1; i < found; ++i) {
    JsonEntry moving = entries[i];
    size_t j = i;
    for (; j > 0; --j) {
      bool before = reverse ? KeyLess(*entries[j - 1].key, *moving.key, case_sensitive)
                            : KeyLess(*moving.key, *entries[j - 1].key, case_sensitive);
      if (!before) break;
      entries[j] = entries[j - 1];
    }
    entries[j] = moving;
  }
  *count = found;
  return true;
}

namespace {

// dictsort by key of a JSON object from the context with at most
// LoopData::kMaxJsonEntries entries and keys that compare bytewise (see SortJsonEntriesByKey):
// the same result as the general path below without its copies. The (key, value) tuples share
// one block of pairs. False when it does not apply.
bool DictSortJsonByKey(const Json& object, bool case_sensitive, bool reverse, Value* result) {
  std::array<JsonEntry, LoopData::kMaxJsonEntries> entries;
  size_t count = 0;
  if (!SortJsonEntriesByKey(object, case_sensitive, reverse, entries.data(), &count)) return false;
  std::shared_ptr<std::array<Value, 2>[]> block = std::make_shared<std::array<Value, 2>[]>(count);
  auto items = std::make_shared<ValueList>();
  items->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::array<Value, 2>& pair = block[i];
    pair[0] = Value::BorrowedString(*entries[i].key);
    pair[1] = Value::FromJson(*entries[i].value);
    items->push_back(Value::SharedPair(std::shared_ptr<const std::array<Value, 2>>(block, &pair)));
  }
  *result = Value::SharedList(std::move(items));
  return true;
}

}  // namespace

Value FilterDictSort(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound =
      BindArguments(arguments, {"case_sensitive", "by", "reverse"}, "do_dictsort");
  bool case_sensitive = bound.Has(0) && Truthy(bound[0]);
  std::string by_text = bound.Has(1) ? Text(renderer, bound[1]) : std::string();
  std::string_view by = bound.Has(1) ? std::string_view(by_text) : std::string_view("key");
  if (by != "key" && by != "value")
    ThrowEval("FilterArgumentError", "You can only sort by either 'key' or 'value'");
  bool reverse = bound.Has(2) && Truthy(bound[2]);
  if (!target.is_dict()) {
    renderer.RequireDefined(target);  // Jinja2 calls value.items(): fails in every mode
    ThrowEval("AttributeError",
              "'" + std::string(TypeName(target)) + "' object has no attribute 'items'");
  }
  if (target.json() != nullptr && by == "key") {
    Value sorted;
    if (DictSortJsonByKey(*target.json(), case_sensitive, reverse, &sorted)) return sorted;
  }
  // sorted(value.items(), key=..., reverse=...): a stable sort of the entries by key or value.
  DictEntries entries = target.DictItems();
  ValueList sort_keys;
  sort_keys.reserve(entries.size());
  for (const auto& entry : entries) {
    const Value& sorted_by = by == "key" ? entry.first : entry.second;
    sort_keys.push_back(case_sensitive ? sorted_by : IgnoreCase(sorted_by));
  }
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto before = [&](size_t left, size_t right) {
    return reverse ? PythonLess(sort_keys[right], sort_keys[left])
                   : PythonLess(sort_keys[left], sort_keys[right]);
  };
  if (order.size() <= 16) {
    // Insertion sort: stable like stable_sort, without its temporary buffer, and fewer
    // comparisons for the few keys a webhook's dicts have.
    for (size_t i = 1; i < order.size(); ++i) {
      size_t moving = order[i];
      size_t j = i;
      for (; j > 0 && before(moving, order[j - 1]); --j) order[j] = order[j - 1];
      order[j] = moving;
    }
  } else {
    std::stable_sort(order.begin(), order.end(), before);
  }
  ValueList items;
  items.reserve(entries.size());
  for (size_t index : order) {
    items.push_back(Value::Pair(std::move(entries[index].first), std::move(entries[index].second)));
  }
  return Value::List(std::move(items));
}

Value FilterFirst(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_first");
  ValueList items = Iterate(renderer, target);
  if (items.empty()) return Value::Undefined("", "No first item, sequence was empty.");
  return items.front();
}

Value FilterLast(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_last");
  if (target.is_dict()) ThrowEval("TypeError", "'dict' object is not reversible");
  ValueList items = Iterate(renderer, target);
  if (items.empty()) return Value::Undefined("", "No last item, sequence was empty.");
  return items.back();
}

Value FilterGroupBy(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound =
      BindArguments(arguments, {"attribute", "default", "case_sensitive"}, "do_groupby", 1);
  bool case_sensitive = bound.Has(2) && Truthy(bound[2]);
  const Value* fallback = bound.Has(1) ? &bound[1] : nullptr;
  auto key = MakeAttributeGetter(renderer, bound[0], fallback, !case_sensitive);
  auto output_key = MakeAttributeGetter(renderer, bound[0], fallback, false);
  ValueList items = Iterate(renderer, target);
  SortValues(&items, key, false);
  ValueList groups;
  size_t i = 0;
  while (i < items.size()) {
    Value group_key = key(items[i]);
    ValueList members;
    size_t j = i;
    while (j < items.size() && PythonEquals(key(items[j]), group_key))
      members.push_back(items[j++]);
    Value grouper = case_sensitive ? group_key : output_key(members[0]);
    groups.push_back(Value::Tuple({grouper, Value::List(std::move(members))}));
    i = j;
  }
  return Value::List(std::move(groups));
}

Value FilterItems(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_items");
  if (target.is_undefined()) return Value::List({});
  if (!target.is_dict()) ThrowEval("TypeError", "Can only get item pairs from a mapping.");
  ValueList items;
  for (auto& [key, value] : target.DictItems()) items.push_back(Value::Pair(key, value));
  return Value::List(std::move(items));
}

Value FilterJoin(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"d", "attribute"}, "do_join");
  std::string separator = bound.Has(0) ? Text(renderer, bound[0]) : std::string();
  // Lists and tuples are read in place; anything else is iterated into a list first.
  ValueList iterated;
  if (!target.is_sequence()) iterated = Iterate(renderer, target);
  size_t count = target.is_sequence() ? target.SequenceSize() : iterated.size();
  bool by_attribute = bound.Has(1) && !bound[1].is_none();
  std::function<Value(const Value&)> getter;
  if (by_attribute) getter = MakeAttributeGetter(renderer, bound[1], nullptr, false);
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += separator;
    Value item = target.is_sequence() ? target.SequenceAt(i) : iterated[i];
    if (by_attribute) item = getter(item);
    renderer.UseUndefined(item);  // what Text does: soft_str of each item
    AppendStr(item, &out);
    if (out.size() > renderer.limits().max_string_bytes)
      ThrowEval("SecurityError", "string exceeds the sandbox limit");
  }
  return Value::String(std::move(out));
}

Value FilterLength(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "len");
  switch (target.kind()) {
    case Value::Kind::kString:
      return Value::Integer(static_cast<int64_t>(CodePointCount(target.as_string())));
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return Value::Integer(static_cast<int64_t>(target.SequenceSize()));
    case Value::Kind::kDict:
      return Value::Integer(static_cast<int64_t>(target.DictSize()));
    case Value::Kind::kUndefined:
      renderer.UseUndefined(target);
      return Value::Integer(0);
    case Value::Kind::kNamespace:
      return Value::Integer(static_cast<int64_t>(target.as_namespace().attributes.size()));
    case Value::Kind::kLoop:
      return Value::Integer(static_cast<int64_t>(target.as_loop().items->size()));
    default:
      ThrowEval("TypeError", "object of type '" + std::string(TypeName(target)) + "' has no len()");
  }
}

Value FilterList(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_list");
  return Value::List(Iterate(renderer, target));
}

Value FilterMap(Renderer& renderer, const Value& target, CallArguments& arguments) {
  ValueList items = Iterate(renderer, target);
  ValueList out;
  bool by_attribute = false;
  Value attribute, fallback;
  bool has_default = false;
  for (const auto& [key, value] : arguments.keywords) {
    if (key == "attribute") {
      by_attribute = true;
      attribute = value;
    } else if (key == "default") {
      has_default = true;
      fallback = value;
    }
  }
  if (by_attribute) {
    for (const auto& [key, value] : arguments.keywords) {
      if (key != "attribute" && key != "default") {
        ThrowEval("FilterArgumentError", "Unexpected keyword argument '" + key + "'");
      }
    }
    auto getter =
        MakeAttributeGetter(renderer, attribute, has_default ? &fallback : nullptr, false);
    for (const Value& item : items) out.push_back(getter(item));
    return Value::List(std::move(out));
  }
  if (arguments.positional.empty())
    ThrowEval("FilterArgumentError", "map requires a filter argument");
  if (!arguments.positional[0].is_string()) ThrowEval("TypeError", "filter name must be a string");
  std::string name(arguments.positional[0].as_string());
  CallArguments rest;
  rest.positional.assign(arguments.positional.begin() + 1, arguments.positional.end());
  rest.keywords = arguments.keywords;
  for (const Value& item : items) {
    CallArguments copy = rest;
    out.push_back(renderer.CallFilter(name, item, copy));
  }
  return Value::List(std::move(out));
}

Value FilterMax(Renderer& renderer, const Value& target, CallArguments& arguments) {
  return MinMax(renderer, target, arguments, true);
}

Value FilterMin(Renderer& renderer, const Value& target, CallArguments& arguments) {
  return MinMax(renderer, target, arguments, false);
}

Value FilterSelect(Renderer& r, const Value& t, CallArguments& a) {
  return SelectOrReject(r, t, a, true, false);
}
Value FilterReject(Renderer& r, const Value& t, CallArguments& a) {
  return SelectOrReject(r, t, a, false, false);
}
Value FilterSelectAttr(Renderer& r, const Value& t, CallArguments& a) {
  return SelectOrReject(r, t, a, true, true);
}
Value FilterRejectAttr(Renderer& r, const Value& t, CallArguments& a) {
  return SelectOrReject(r, t, a, false, true);
}

Value FilterReverse(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_reverse");
  if (target.is_string()) {
    std::vector<uint32_t> cps = DecodeUtf8(target.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value::String(EncodeUtf8(cps));
  }
  if (target.is_dict()) ThrowEval("TypeError", "argument to reversed() must be a sequence");
  ValueList items = Iterate(renderer, target);
  std::reverse(items.begin(), items.end());
  return Value::List(std::move(items));
}

Value FilterSlice(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"slices", "fill_with"}, "do_slice", 1);
  int64_t slices = IntArgument(bound[0], "slices");
  ValueList items = Iterate(renderer, target);
  int64_t length = static_cast<int64_t>(items.size());
  if (slices <= 0) ThrowEval("ZeroDivisionError", "integer division or modulo by zero");
  int64_t items_per_slice = length / slices;
  int64_t slices_with_extra = length % slices;
  int64_t offset = 0;
  ValueList result;
  for (int64_t slice_number = 0; slice_number < slices; ++slice_number) {
    int64_t start = offset + slice_number * items_per_slice;
    if (slice_number < slices_with_extra) ++offset;
    int64_t end = offset + (slice_number + 1) * items_per_slice;
    ValueList part(items.begin() + start, items.begin() + std::min(end, length));
    if (bound.Has(1) && !bound[1].is_none() && slice_number >= slices_with_extra)
      part.push_back(bound[1]);
    result.push_back(Value::List(std::move(part)));
  }
  return Value::List(std::move(result));
}

Value FilterSort(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound =
      BindArguments(arguments, {"reverse", "case_sensitive", "attribute"}, "do_sort");
  bool reverse = bound.Has(0) && Truthy(bound[0]);
  bool case_sensitive = bound.Has(1) && Truthy(bound[1]);
  ValueList items = Iterate(renderer, target);
  std::vector<std::function<Value(const Value&)>> getters;
  if (bound.Has(2) && bound[2].is_string()) {
    std::string_view text = bound[2].as_string();
    size_t start = 0;
    while (true) {
      size_t comma = text.find(',', start);
      std::string part(
          text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
      getters.push_back(
          MakeAttributeGetter(renderer, Value::String(part), nullptr, !case_sensitive));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else {
    getters.push_back(
        MakeAttributeGetter(renderer, bound.Has(2) ? bound[2] : Value(), nullptr, !case_sensitive));
  }
  if (getters.size() == 1) {
    SortValues(&items, getters[0], reverse);
  } else {
    SortValues(
        &items,
        [&](const Value& item) {
          ValueList keys;
          for (auto& getter : getters) keys.push_back(getter(item));
          return Value::Tuple(std::move(keys));
        },
        reverse);
  }
  return Value::List(std::move(items));
}

Value FilterSum(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"attribute", "start"}, "do_sum");
  Value total = bound.Has(1) ? bound[1] : Value::Integer(0);
  std::function<Value(const Value&)> getter = [](const Value& v) { return v; };
  if (bound.Has(0) && !bound[0].is_none())
    getter = MakeAttributeGetter(renderer, bound[0], nullptr, false);
  for (const Value& item : Iterate(renderer, target)) {
    Value value = getter(item);
    renderer.RequireDefined(value);
    if (value.is_string() && total.is_number()) {
      ThrowEval("TypeError", "unsupported operand type(s) for +: '" + std::string(TypeName(total)) +
                                 "' and 'str'");
    }
    total = EvaluateBinary(BinaryOperator::kAdd, total, value, renderer.operator_limits());
  }
  return total;
}

Value FilterUnique(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"case_sensitive", "attribute"}, "do_unique");
  bool case_sensitive = bound.Has(0) && Truthy(bound[0]);
  auto getter =
      MakeAttributeGetter(renderer, bound.Has(1) ? bound[1] : Value(), nullptr, !case_sensitive);
  ValueList seen, out;
  for (const Value& item : Iterate(renderer, target)) {
    Value key = getter(item);
    bool duplicate = false;
    for (const Value& previous : seen) {
      if (PythonEquals(previous, key)) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::List(std::move(out));
}

}  // namespace runhook::templating
