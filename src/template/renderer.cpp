// Statement rendering, scopes and output. Expression evaluation is in evaluator.cpp and
// attribute/item access in access.cpp. See renderer.h.
#include "template/renderer.h"

#include <algorithm>
#include <array>

#include "template/callables.h"
#include "template/errors.h"
#include "template/filter_support.h"
#include "template/filters.h"
#include "template/printing.h"

namespace runhook::templating {

// Pushes a fresh frame for its lifetime.
class ScopeGuard {
 public:
  explicit ScopeGuard(Renderer& renderer) : renderer_(renderer) {
    renderer_.scopes_.push_back(renderer_.NewFrame());
  }
  ~ScopeGuard() { renderer_.ReleaseFrame(); }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  Renderer& renderer_;
};

Renderer::Renderer(const detail::CompiledTemplate& compiled, const Json& context,
                   UndefinedMode mode, const RenderLimits& limits)
    : compiled_(compiled), context_(context), mode_(mode), limits_(limits), output_(nullptr) {
  operator_limits_.max_bytes = limits.max_string_bytes;
  operator_limits_.max_power_exponent = limits.max_power_exponent;
  Scratch& scratch = ThreadScratch();
  scopes_ = std::move(scratch.scopes);
  spare_frames_ = std::move(scratch.spare_frames);
  argument_pool_ = std::move(scratch.argument_pool);
}

Renderer::Renderer(const detail::CompiledTemplate& compiled, const detail::PreparedIndex& prepared,
                   const Json* overlay, UndefinedMode mode, const RenderLimits& limits)
    : Renderer(compiled, prepared.json, mode, limits) {
  prepared_ = &prepared;
  overlay_ = overlay;
}

Renderer::~Renderer() {
  // Only what this render alone references goes back: a frame a macro closure still holds
  // (frames_captured_) is left to its other owners.
  constexpr size_t kMaxSpareFrames = 16;
  while (!scopes_.empty()) ReleaseFrame();
  if (spare_frames_.size() > kMaxSpareFrames) spare_frames_.resize(kMaxSpareFrames);
  Scratch& scratch = ThreadScratch();
  scratch.scopes = std::move(scopes_);
  scratch.spare_frames = std::move(spare_frames_);
  scratch.argument_pool = std::move(argument_pool_);
}

Renderer::Scratch& Renderer::ThreadScratch() {
  static thread_local Scratch scratch;
  return scratch;
}

RenderResult Renderer::Run() {
  if (!context_.is_object() && !context_.is_null()) {
    throw TemplateError("TypeError", "the render context must be a JSON object", compiled_.name, 0,
                        0);
  }
  if (overlay_ != nullptr && !overlay_->is_object() && !overlay_->is_null()) {
    throw TemplateError("TypeError", "the render context's overlay must be a JSON object",
                        compiled_.name, 0, 0);
  }
  scopes_.push_back(NewFrame());
  RenderResult result;
  // Reserving what the previous render wrote saves growing the output (a render's output size
  // rarely changes much from one context to the next).
  size_t last = compiled_.last_output_size.bytes.load(std::memory_order_relaxed);
  result.output.reserve(std::max(compiled_.output_size_hint, last + last / 8));
  output_ = &result.output;
  RenderBody(compiled_.parsed.body);
  if (result.output.size() != last) {
    compiled_.last_output_size.bytes.store(result.output.size(), std::memory_order_relaxed);
  }
  result.undefined_names = std::move(undefined_names_);
  return result;
}

void Renderer::Fail(const std::string& type, const std::string& message,
                    SourceLocation location) const {
  throw TemplateError(type, message, compiled_.name, location.line, location.column);
}

void Renderer::RequireDefined(const Value& value) {
  if (!value.is_undefined()) return;
  ThrowEval(value.as_undefined().hint.rfind("access to attribute", 0) == 0 ? "SecurityError"
                                                                           : "UndefinedError",
            value.as_undefined().hint);
}

void Renderer::UseUndefined(const Value& value) {
  if (!value.is_undefined()) return;
  if (mode_ == UndefinedMode::kStrict && !value.as_undefined().lenient) RequireDefined(value);
  const std::string& path = value.as_undefined().path;
  if (path.empty()) return;
  for (const std::string& seen : undefined_names_) {
    if (seen == path) return;
  }
  undefined_names_.push_back(path);
}

void Renderer::CountIterations(size_t count) {
  iterations_ += count;
  if (iterations_ > limits_.max_loop_iterations) {
    ThrowEval("SecurityError", "the template exceeded the sandbox limit of " +
                                   std::to_string(limits_.max_loop_iterations) +
                                   " loop iterations");
  }
}

void Renderer::OutputLimitExceeded() const {
  ThrowEval("SecurityError", "the output exceeded the sandbox limit of " +
                                 std::to_string(limits_.max_output_bytes) + " bytes");
}

void Renderer::WriteValue(const Value& value) {
  if (value.is_string()) {
    Write(value.as_string());
    return;
  }
  UseUndefined(value);
  size_t before = output_->size();
  AppendStr(value, output_);  // a render that fails discards its output, so append first
  CountOutput(output_->size() - before);
}

std::string Renderer::ToText(const Value& value) {
  UseUndefined(value);
  return Str(value);
}

bool Renderer::IsTruthy(const Value& value) {
  UseUndefined(value);
  return Truthy(value);
}

std::string Renderer::Capture(const StatementList& body) {
  std::string captured;
  std::string* saved = output_;
  output_ = &captured;
  try {
    RenderBody(body);
  } catch (...) {
    output_ = saved;
    throw;
  }
  output_ = saved;
  return captured;
}

FramePtr Renderer::NewFrame() {
  if (spare_frames_.empty()) return std::make_shared<Frame>();
  FramePtr frame = std::move(spare_frames_.back());
  spare_frames_.pop_back();
  return frame;
}

void Renderer::ReleaseFrame() {
  FramePtr frame = std::move(scopes_.back());
  scopes_.pop_back();
  if (!frames_captured_ && frame.use_count() == 1) {
    frame->clear();  // keeps its capacity for the next scope
    spare_frames_.push_back(std::move(frame));
  }
}

void Renderer::RenewFrame() {
  FramePtr& frame = scopes_.back();
  if (!frames_captured_ && frame.use_count() == 1) {
    frame->clear();
    return;
  }
  ReleaseFrame();
  scopes_.push_back(NewFrame());
}

void Renderer::SetLocal(std::string_view name, Value value) {
  Frame& frame = *scopes_.back();
  for (auto& entry : frame) {
    if (SameText(entry.first, name)) {
      entry.second = std::move(value);
      return;
    }
  }
  frame.emplace_back(name, std::move(value));
}

const Value* Renderer::FindLocal(std::string_view name) const {
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    for (const auto& entry : **scope) {
      if (SameText(entry.first, name)) return &entry.second;
    }
  }
  return nullptr;
}

bool Renderer::Lookup(std::string_view name, Value* found) const {
  if (const Value* local = FindLocal(name)) {
    *found = *local;
    return true;
  }
  if (const Json* entry = FindContextEntry(name)) {
    *found = Value::FromJson(*entry);
    return true;
  }
  return FindGlobal(name, found);
}

namespace {

// The value of `name` in `object`, or null when `object` is not an object or has no such key.
const Json* FindKey(const Json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  for (const auto& [key, value] : object.get_ref<const Json::object_t&>()) {
    if (SameText(key, name)) return &value;
  }
  return nullptr;
}

}  // namespace

const Json* Renderer::FindContextEntry(std::string_view name) const {
  if (prepared_ != nullptr) return FindPreparedEntry(name);
  return FindKey(context_, name);
}

const Json* Renderer::FindContextAttribute(const Expression& expression) const {
  // The chain's attributes, outermost first; then resolved from the name down.
  constexpr size_t kMaxDepth = 16;
  std::array<const Expression*, kMaxDepth> chain;
  size_t depth = 0;
  const Expression* node = &expression;
  while (node->kind == ExpressionKind::kAttribute) {
    // As GetAttribute on a dict whose attribute cannot be a method: the key, if present.
    if (node->may_be_method || depth == kMaxDepth) return nullptr;
    chain[depth++] = node;
    node = node->children[0].get();
  }
  if (node->kind != ExpressionKind::kName || !node->context_name) return nullptr;
  const Json* json = FindContextEntry(node->name);
  while (json != nullptr && depth > 0) {
    json = FindKey(*json, chain[--depth]->name);
  }
  return json;
}

const Json* Renderer::FindPreparedJson(const Expression& expression) const {
  if (expression.context_path_hash != 0 &&
      (overlay_ == nullptr || !OverlayHoldsFirstName(expression))) {
    return prepared_->FindPath(expression);
  }
  return FindUnpreparedJson(expression);
}

const Json* Renderer::FindPreparedEntry(std::string_view name) const {
  if (overlay_ != nullptr) {
    if (const Json* shadowing = FindKey(*overlay_, name)) return shadowing;
  }
  return prepared_->FindTopLevel(name);
}

bool Renderer::OverlayHoldsFirstName(const Expression& expression) const {
  if (overlay_ == nullptr) return false;
  const Expression* node = &expression;
  while (node->kind == ExpressionKind::kAttribute) node = node->children[0].get();
  return FindKey(*overlay_, node->name) != nullptr;
}

std::vector<std::weak_ptr<Frame>> Renderer::CaptureScopes() {
  frames_captured_ = true;
  return std::vector<std::weak_ptr<Frame>>(scopes_.begin(), scopes_.end());
}

Renderer::Flow Renderer::RenderBody(const StatementList& body) {
  for (const StatementPtr& statement : body) {
    if (statement->kind == StatementKind::kData) {  // the most common statement, inline
      try {
        Write(statement->text);
      } catch (const EvalError& error) {
        Fail(error.type, error.message, statement->location);
      }
      continue;
    }
    Flow flow = RenderStatement(*statement);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Renderer::Flow Renderer::RenderStatement(const Statement& statement) {
  try {
    switch (statement.kind) {
      case StatementKind::kData:
        Write(statement.text);
        break;
      case StatementKind::kPrint: {
        // A context value printed as is (`{{ run.name }}`) needs no Value.
        // So is a local variable (`{{ key }}`), printed where it is.
        const Expression& expression = *statement.expression;
        const Json* json = FindContextJson(expression);
        const Value* local =
            json == nullptr && expression.kind == ExpressionKind::kName && !expression.context_name
                ? FindLocal(expression.name)
                : nullptr;
        // And `x|upper` and the like (see FindFilterAppender) append their text directly.
        if (json == nullptr && local == nullptr && WriteFiltered(expression)) break;
        Value value;
        if (json == nullptr && local == nullptr) value = Evaluate(expression);
        try {
          if (local != nullptr) {
            WriteValue(*local);
          } else if (json == nullptr) {
            WriteValue(value);
          } else if (json->is_string()) {
            Write(*json->get_ptr<const Json::string_t*>());
          } else {
            WriteValue(Value::FromJson(*json));
          }
        } catch (const EvalError& error) {
          Fail(error.type, error.message, statement.expression->location);
        }
        break;
      }
      case StatementKind::kIf:
        return RenderIf(statement);
      case StatementKind::kFor: {
        if (RenderDictSortFor(statement)) break;
        Value iterable = Evaluate(*statement.expression);
        RenderFor(statement, iterable, 0);
        break;
      }
      case StatementKind::kSet:
        RenderSet(statement);
        break;
      case StatementKind::kSetBlock:
        RenderSetBlock(statement);
        break;
      case StatementKind::kMacro:
        RenderMacroDefinition(statement);
        break;
      case StatementKind::kCallBlock:
        RenderCallBlock(statement);
        break;
      case StatementKind::kFilterBlock:
        RenderFilterBlock(statement);
        break;
      case StatementKind::kWith:
        return RenderWith(statement);
      case StatementKind::kBlock: {
        ScopeGuard scope(*this);
        return RenderBody(statement.bodies[0]);
      }
      case StatementKind::kBreak:
        return Flow::kBreak;
      case StatementKind::kContinue:
        return Flow::kContinue;
    }
  } catch (const EvalError& error) {
    Fail(error.type, error.message, statement.location);
  }
  return Flow::kNormal;
}

Renderer::Flow Renderer::RenderIf(const Statement& statement) {
  for (size_t i = 0; i < statement.conditions.size(); ++i) {
    if (EvaluateCondition(*statement.conditions[i])) return RenderBody(statement.bodies[i]);
  }
  if (statement.bodies.size() > statement.conditions.size())
    return RenderBody(statement.bodies.back());
  return Flow::kNormal;
}

ValueList Renderer::Iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return value.SequenceItems();
    case Value::Kind::kDict: {
      ValueList keys;
      for (auto& entry : value.DictItems()) keys.push_back(std::move(entry.first));
      return keys;
    }
    case Value::Kind::kString: {
      ValueList characters;
      std::string_view text = value.as_string();
      size_t offset = 0;
      while (offset < text.size()) {
        size_t begin = offset;
        ++offset;
        while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
          ++offset;
        }
        characters.push_back(Value::String(std::string(text.substr(begin, offset - begin))));
      }
      return characters;
    }
    case Value::Kind::kUndefined:
      UseUndefined(value);
      return {};
    case Value::Kind::kNamespace: {
      ValueList keys;
      for (const auto& entry : value.as_namespace().attributes) keys.push_back(entry.first);
      return keys;
    }
    default:
      ThrowEval("TypeError", "'" + std::string(TypeName(value)) + "' object is not iterable");
  }
}

void Renderer::RenderFor(const Statement& statement, const Value& iterable, int depth) {
  std::shared_ptr<const ValueList> shared =
      statement.condition ? nullptr : iterable.SharedSequence();
  ValueList items = shared ? ValueList() : Iterate(iterable);
  if (statement.condition) {
    ValueList kept;
    for (Value& item : items) {
      CountIterations(1);
      ScopeGuard scope(*this);
      Assign(*statement.target, item);
      if (IsTruthy(Evaluate(*statement.condition))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (shared ? shared->empty() : items.empty()) {
    if (!statement.bodies[1].empty()) {
      ScopeGuard scope(*this);
      RenderBody(statement.bodies[1]);
    }
    return;
  }
  auto loop = std::make_shared<LoopData>();
  loop->items = shared ? std::move(shared) : std::make_shared<const ValueList>(std::move(items));
  loop->length = loop->items->size();
  loop->depth0 = depth;
  if (statement.recursive) loop->recurse = std::make_shared<LoopRecursion>(statement, depth);
  Value loop_value = Value::FromLoop(loop);
  const ValueList& all = *loop->items;
  // Each iteration gets a fresh scope, as in Jinja2: one frame emptied between iterations (see
  // RenewFrame), not one frame pushed and popped per iteration.
  ScopeGuard scope(*this);
  for (size_t i = 0; i < all.size(); ++i) {
    CountIterations(1);
    loop->index0 = i;
    if (i > 0) RenewFrame();
    Frame& frame = *scopes_.back();
    frame.emplace_back("loop", loop_value);  // the frame was empty
    if (!BindLoopTarget(*statement.target, all[i], &frame)) Assign(*statement.target, all[i]);
    if (RenderBody(statement.bodies[0]) == Flow::kBreak) break;
  }
}

namespace {

// `key, value`: two different names, neither of them `loop`.
bool IsNamePair(const Expression& target) {
  if (target.kind != ExpressionKind::kTuple || target.children.size() != 2) return false;
  const Expression& first = *target.children[0];
  const Expression& second = *target.children[1];
  return first.kind == ExpressionKind::kName && second.kind == ExpressionKind::kName &&
         !SameText(first.name, "loop") && !SameText(second.name, "loop") &&
         !SameText(first.name, second.name);
}

}  // namespace

bool Renderer::BindLoopTarget(const Expression& target, const Value& item, Frame* frame) {
  if (target.kind == ExpressionKind::kName && !SameText(target.name, "loop")) {
    frame->emplace_back(target.name, item);
    return true;
  }
  if (!IsNamePair(target) || !item.is_sequence() || item.SequenceSize() != 2) return false;
  frame->emplace_back(target.children[0]->name, item.SequenceAt(0));
  frame->emplace_back(target.children[1]->name, item.SequenceAt(1));
  return true;
}

bool Renderer::ReboundInPlace(const std::string& key, const Json& value, const Value& loop_value) {
  FramePtr& frame = scopes_.back();
  // As RenewFrame would keep it: no closure may see the frame change.
  if (frames_captured_ || frame.use_count() != 1 || frame->size() != 3) return false;
  Value& loop = (*frame)[0].second;  // a `{% set loop = ... %}` in the body replaced it
  if (loop.kind() != Value::Kind::kLoop || &loop.as_loop() != &loop_value.as_loop()) return false;
  (*frame)[1].second = Value::BorrowedString(key);
  (*frame)[2].second = Value::FromJson(value);
  return true;
}

bool Renderer::RenderDictSortFor(const Statement& statement) {
  const Expression& iterable = *statement.expression;
  if (statement.condition || statement.recursive || iterable.kind != ExpressionKind::kFilter ||
      iterable.filter != FilterDictSort || iterable.children[0] == nullptr ||
      HasArguments(iterable) || !IsNamePair(*statement.target)) {
    return false;
  }
  const Json* object = FindContextJson(*iterable.children[0]);
  if (object == nullptr || !object->is_object()) return false;
  auto loop = std::make_shared<LoopData>();
  // A prepared context has the order already (an overlay's objects are not in its index).
  bool sorted = prepared_ != nullptr &&
                prepared_->DictSortEntries(object, loop->json_entries.data(), &loop->length);
  if ((!sorted &&
       !SortJsonEntriesByKey(*object, false, false, loop->json_entries.data(), &loop->length)) ||
      loop->length == 0) {
    return false;  // the general path also renders the else block
  }
  Value loop_value = Value::FromLoop(loop);
  std::string_view key_name = statement.target->children[0]->name;
  std::string_view value_name = statement.target->children[1]->name;
  ScopeGuard scope(*this);  // one frame, emptied between iterations, as in RenderFor
  for (size_t i = 0; i < loop->length; ++i) {
    CountIterations(1);
    loop->index0 = i;
    const JsonEntry& entry = loop->json_entries[i];
    if (i > 0 && ReboundInPlace(*entry.key, *entry.value, loop_value)) {
      if (RenderBody(statement.bodies[0]) == Flow::kBreak) break;
      continue;
    }
    if (i > 0) RenewFrame();
    Frame& frame = *scopes_.back();
    frame.emplace_back("loop", loop_value);
    frame.emplace_back(key_name, Value::BorrowedString(*entry.key));
    frame.emplace_back(value_name, Value::FromJson(*entry.value));
    if (RenderBody(statement.bodies[0]) == Flow::kBreak) break;
  }
  return true;
}

Value Renderer::RenderLoopRecursion(const Statement& loop, const Value& iterable, int depth) {
  if (++depth_ > limits_.max_recursion_depth) {
    --depth_;
    ThrowEval("SecurityError", "the template exceeded the sandbox limit of " +
                                   std::to_string(limits_.max_recursion_depth) + " nested calls");
  }
  std::string captured;
  std::string* saved = output_;
  output_ = &captured;
  try {
    RenderFor(loop, iterable, depth);
  } catch (...) {
    output_ = saved;
    --depth_;
    throw;
  }
  output_ = saved;
  --depth_;
  return Value::String(std::move(captured));
}

void Renderer::Assign(const Expression& target, const Value& value) {
  if (target.kind == ExpressionKind::kName) {
    SetLocal(target.name, value);
    return;
  }
  if (target.kind == ExpressionKind::kTuple) {
    if (value.is_undefined()) RequireDefined(value);
    size_t expected = target.children.size();
    if (value.is_sequence() && value.SequenceSize() == expected) {  // the common (a, b) case
      for (size_t i = 0; i < expected; ++i) Assign(*target.children[i], value.SequenceAt(i));
      return;
    }
    ValueList items = Iterate(value);
    if (items.size() < expected) {
      ThrowEval("ValueError", "not enough values to unpack (expected " + std::to_string(expected) +
                                  ", got " + std::to_string(items.size()) + ")");
    }
    if (items.size() > expected) {
      ThrowEval("ValueError",
                "too many values to unpack (expected " + std::to_string(expected) + ")");
    }
    for (size_t i = 0; i < expected; ++i) Assign(*target.children[i], items[i]);
    return;
  }
  if (target.kind == ExpressionKind::kNamespaceReference) {
    Value object;
    if (!Lookup(target.name, &object) || object.kind() != Value::Kind::kNamespace) {
      ThrowEval("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
    }
    for (auto& entry : object.as_namespace().attributes) {
      if (entry.first.as_string() == target.attribute) {
        entry.second = value;
        return;
      }
    }
    object.as_namespace().attributes.emplace_back(Value::String(std::string(target.attribute)),
                                                  value);
    return;
  }
  ThrowEval("TemplateRuntimeError", "cannot assign to this expression");
}

void Renderer::RenderSet(const Statement& statement) {
  Value value = Evaluate(*statement.expression);
  Assign(*statement.target, value);
}

void Renderer::RenderSetBlock(const Statement& statement) {
  Value value = Value::String(Capture(statement.bodies[0]));
  if (statement.expression) value = EvaluateFilter(*statement.expression, &value);
  Assign(*statement.target, value);
}

void Renderer::RenderMacroDefinition(const Statement& statement) {
  auto macro = std::make_shared<MacroCallable>(statement, CaptureScopes(), Value());
  SetLocal(statement.text, Value::FromCallable(std::move(macro)));
}

void Renderer::RenderCallBlock(const Statement& statement) {
  const Expression& call = *statement.expression;
  Value callee = Evaluate(*call.children[0]);
  CallArguments arguments;
  EvaluateArguments(call, &arguments);
  auto caller = std::make_shared<MacroCallable>(statement, CaptureScopes(), Value());
  arguments.keywords.emplace_back("caller", Value::FromCallable(std::move(caller)));
  RequireDefined(callee);
  WriteValue(CallValue(callee, arguments));
}

void Renderer::RenderFilterBlock(const Statement& statement) {
  Value body = Value::String(Capture(statement.bodies[0]));
  WriteValue(EvaluateFilter(*statement.expression, &body));
}

Renderer::Flow Renderer::RenderWith(const Statement& statement) {
  ValueList values;
  for (const auto& value : statement.values) values.push_back(Evaluate(*value));
  ScopeGuard scope(*this);
  for (size_t i = 0; i < values.size(); ++i) Assign(*statement.targets[i], values[i]);
  return RenderBody(statement.bodies[0]);
}

Value Renderer::RenderMacro(const Statement& macro,
                            const std::vector<std::weak_ptr<Frame>>& closure,
                            CallArguments& arguments, const Value& caller) {
  const std::string name(macro.text);
  size_t parameter_count = macro.parameters.size();
  auto frame = std::make_shared<Frame>();
  ValueList extra_positional;
  for (size_t i = 0; i < arguments.positional.size(); ++i) {
    if (i < parameter_count) {
      frame->emplace_back(macro.parameters[i], arguments.positional[i]);
    } else {
      extra_positional.push_back(arguments.positional[i]);
    }
  }
  if (!extra_positional.empty() && !macro.uses_varargs) {
    ThrowEval("TypeError", "macro '" + name + "' takes not more than " +
                               std::to_string(parameter_count) + " argument(s)");
  }
  DictEntries extra_keywords;
  Value caller_value = caller;
  bool has_caller = false;
  for (auto& [key, value] : arguments.keywords) {
    bool matched = false;
    for (size_t i = 0; i < parameter_count; ++i) {
      if (macro.parameters[i] == key) {
        if (i < arguments.positional.size()) {
          ThrowEval("TypeError",
                    "macro '" + name + "' got multiple values for argument '" + key + "'");
        }
        frame->emplace_back(macro.parameters[i], value);
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (key == "caller" && macro.uses_caller) {
      caller_value = value;
      has_caller = true;
      continue;
    }
    if (!macro.uses_kwargs) {
      ThrowEval("TypeError", "macro '" + name + "' takes no keyword argument '" + key + "'");
    }
    extra_keywords.emplace_back(Value::String(key), value);
  }
  // Defaults are evaluated in the macro's own frame, left to right.
  std::vector<FramePtr> saved_scopes = std::move(scopes_);
  scopes_.clear();
  for (const auto& weak : closure) {
    if (FramePtr locked = weak.lock()) scopes_.push_back(std::move(locked));
  }
  scopes_.push_back(frame);
  if (++depth_ > limits_.max_recursion_depth) {
    --depth_;
    scopes_ = std::move(saved_scopes);
    ThrowEval("SecurityError", "the template exceeded the sandbox limit of " +
                                   std::to_string(limits_.max_recursion_depth) + " nested calls");
  }
  std::string captured;
  std::string* saved_output = output_;
  output_ = &captured;
  try {
    for (size_t i = 0; i < parameter_count; ++i) {
      bool bound = false;
      for (const auto& entry : *frame) {
        if (entry.first == macro.parameters[i]) bound = true;
      }
      if (bound) continue;
      if (macro.defaults[i]) {
        frame->emplace_back(macro.parameters[i], Evaluate(*macro.defaults[i]));
      } else {
        frame->emplace_back(macro.parameters[i],
                            Value::Undefined("", "parameter '" + std::string(macro.parameters[i]) +
                                                     "' was not provided"));
      }
    }
    if (macro.uses_varargs)
      frame->emplace_back("varargs", Value::Tuple(std::move(extra_positional)));
    if (macro.uses_kwargs) frame->emplace_back("kwargs", Value::Dict(std::move(extra_keywords)));
    if (macro.uses_caller && macro.kind == StatementKind::kMacro) {
      frame->emplace_back(
          "caller", has_caller ? caller_value : Value::Undefined("caller", "No caller defined"));
    }
    RenderBody(macro.bodies[0]);
  } catch (...) {
    output_ = saved_output;
    scopes_ = std::move(saved_scopes);
    --depth_;
    throw;
  }
  output_ = saved_output;
  scopes_ = std::move(saved_scopes);
  --depth_;
  return Value::String(std::move(captured));
}

}  // namespace runhook::templating
