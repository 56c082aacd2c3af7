// Value: a template-time value with Python's semantics (what Jinja2 would hold in a variable).
//
// Scalars are stored inline. Strings, lists and dicts that come from the render context refer
// to the caller's Json without copying ("borrowed"; valid while the Json passed to Render lives,
// which is the whole render). Values built while rendering own their data through shared_ptr,
// so copying a Value is cheap. Values are not thread-safe; each render has its own.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"

namespace runhook::templating {

class Value;
class Callable;
struct UndefinedData;
struct NamespaceData;
struct LoopData;

using ValueList = std::vector<Value>;
using DictEntries = std::vector<std::pair<Value, Value>>;

class Value {
 public:
  enum class Kind : uint8_t {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kTuple,
    kDict,
    kCallable,   // macro, caller, bound method, global function
    kNamespace,  // namespace() object: attributes assignable with {% set ns.x = ... %}
    kLoop,       // the `loop` variable of a for loop
  };

  Value() : kind_(Kind::kNone), integer_(0) {}
  static Value None() { return Value(); }
  static Value Boolean(bool value);
  static Value Integer(int64_t value);
  static Value Float(double value);
  static Value String(std::string text, bool markup = false);
  static Value BorrowedString(const std::string& text);  // `text` must outlive the value
  static Value List(ValueList items);
  static Value Tuple(ValueList items);
  static Value Dict(DictEntries entries);  // REQUIRES: keys unique (see DictSet)
  // A list sharing `items`. REQUIRES: items is never modified afterwards.
  static Value SharedList(std::shared_ptr<const ValueList> items);
  // A 2-tuple (a dict item, a dictsort entry) in one allocation. SharedPair shares `pair`, which
  // may point into a bigger block of pairs. REQUIRES: `pair` is never modified afterwards.
  static Value Pair(Value first, Value second);
  static Value SharedPair(std::shared_ptr<const std::array<Value, 2>> pair);
  // Borrows arrays, objects and strings from `json`. Throws EvalError (OverflowError) for an
  // integer above INT64_MAX: template integers are 64-bit, and a wrong number is worse.
  static Value FromJson(const Json& json);
  // An undefined value. `path` is the dotted name ("run.summary.accuracy") reported in
  // RenderResult::undefined_names; `hint` is Jinja2's message when it is used
  // ("'dict object' has no attribute 'accuracy'").
  static Value Undefined(std::string path, std::string hint, bool lenient = false);
  static Value FromCallable(std::shared_ptr<const Callable> callable);
  static Value NewNamespace();
  static Value FromLoop(std::shared_ptr<LoopData> loop);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const {  // int, float or bool (bool is an int in Python)
    return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool;
  }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_markup() const { return kind_ == Kind::kString && markup_; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kTuple; }
  bool is_sequence() const { return kind_ == Kind::kList || kind_ == Kind::kTuple; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  bool as_bool() const { return boolean_; }  // REQUIRES: is_bool()
  int64_t as_int() const {                   // REQUIRES: is_int() or is_bool()
    return kind_ == Kind::kBool ? (boolean_ ? 1 : 0) : integer_;
  }
  double as_double() const;             // REQUIRES: is_number()
  std::string_view as_string() const {  // REQUIRES: is_string()
    if (borrowed_json_) return *borrowed_string_;
    return *static_cast<const std::string*>(object_.get());
  }
  const Callable& as_callable() const;        // REQUIRES: is_callable()
  const UndefinedData& as_undefined() const;  // REQUIRES: is_undefined()
  NamespaceData& as_namespace() const;        // REQUIRES: kind() == kNamespace
  LoopData& as_loop() const;                  // REQUIRES: kind() == kLoop
  Value WithMarkup(bool markup) const;        // REQUIRES: is_string()

  // Lists and tuples.
  size_t SequenceSize() const;
  Value SequenceAt(size_t index) const;  // REQUIRES: index < SequenceSize()
  ValueList SequenceItems() const;
  // A list or tuple built while rendering, shared rather than copied (lists are never modified:
  // the sandbox refuses mutating methods). Null for other values and for borrowed JSON arrays.
  std::shared_ptr<const ValueList> SharedSequence() const;

  // Dicts. Keys compare as Python does (1 == 1.0 == True).
  size_t DictSize() const;
  bool DictFind(const Value& key, Value* found) const;
  bool DictFindString(std::string_view key, Value* found) const;
  DictEntries DictItems() const;
  // Inserts or replaces; only for dicts built during rendering (copies borrowed ones first).
  void DictSet(const Value& key, Value value);

  const Json* json() const { return borrowed_json_ ? json_ : nullptr; }

 private:
  Kind kind_;
  bool markup_ = false;
  bool borrowed_json_ = false;  // kList/kDict: json_ is valid; kString: borrowed_string_ valid
  bool pair_ = false;           // kTuple: object_ is a std::array<Value, 2>, not a ValueList
  union {
    bool boolean_;
    int64_t integer_;
    double floating_;
    const Json* json_;
    const std::string* borrowed_string_;
  };
  std::shared_ptr<const void> object_;  // owned string, ValueList, DictEntries, ... (see kind_)
};

struct UndefinedData {
  std::string path;
  std::string hint;
  // Jinja2 always uses the plain Undefined for an inline if without else, whatever the mode.
  bool lenient = false;
};

struct NamespaceData {
  DictEntries attributes;  // string keys
};

// Arguments of a call: f(1, 2, key=3).
struct CallArguments {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keywords;
};

class Renderer;

// Something a template can call: a macro, `caller`, `loop.cycle`, `range`, a string method...
// Implementations are immutable; per-render state lives in the Renderer passed to Call.
class Callable {
 public:
  virtual ~Callable() = default;
  virtual Value Call(Renderer& renderer, CallArguments& arguments) const = 0;
  virtual std::string Repr() const = 0;  // what {{ f }} prints
  virtual std::string_view TypeName() const { return "function"; }
};

// One entry of a JSON object from the render context: borrowed, valid for the render.
struct JsonEntry {
  const std::string* key = nullptr;
  const Json* value = nullptr;
};

// The `loop` object of one for loop. Its items are either `items` or, for a loop over
// `object|dictsort` of a context object (see Renderer::RenderDictSortFor), `json_entries`:
// item i is then the tuple (key, value) of json_entries[i], built only when asked for
// (loop.previtem, loop.nextitem). Use ItemAt and length, not `items` directly.
struct LoopData {
  static constexpr size_t kMaxJsonEntries = 16;
  Value ItemAt(size_t index) const;        // REQUIRES: index < length
  std::shared_ptr<const ValueList> items;  // null when json_entries hold the items
  std::array<JsonEntry, kMaxJsonEntries> json_entries;
  size_t length = 0;
  size_t index0 = 0;
  int depth0 = 0;
  std::shared_ptr<const Callable> recurse;  // set for {% for ... recursive %}
  bool has_changed_value = false;
  Value changed_value;
};

// Whether two short texts (names, keys) are equal: compared 8, 4 or 2 bytes at a time inline
// (the fixed-size memcpy calls compile to single loads), cheaper than a call to memcmp for the
// few bytes of a name.
inline bool SameText(std::string_view left, std::string_view right) {
  size_t size = left.size();
  if (size != right.size()) return false;
  const char* a = left.data();
  const char* b = right.data();
  if (a == b) return true;
  for (; size >= 8; size -= 8, a += 8, b += 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  if (size >= 4) {  // 4 to 7 bytes: the first four and the last four, overlapping
    uint32_t x, y, z, w;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    std::memcpy(&z, a + size - 4, 4);
    std::memcpy(&w, b + size - 4, 4);
    return x == y && z == w;
  }
  for (size_t i = 0; i < size; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Python's built-in type name: "int", "str", "dict", "list", "NoneType", ...
std::string_view TypeName(const Value& value);

}  // namespace runhook::templating
