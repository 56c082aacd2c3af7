// Renders one compiled template against one context. A Renderer lives for a single Render call
// and is used by one thread; the compiled tree it walks is shared and never modified.
//
// Scoping follows Jinja2: each for-loop iteration, macro call and with block gets a fresh frame
// (a loop empties one frame between iterations rather than allocating one each); {% if %} does
// not; {% set %} writes to the innermost frame, so nothing set inside a loop leaks out of it.
// Macros see the frames that were live where they were defined.
//
// Shortcuts that give the same result as the general evaluation, with fewer copies: a name no
// statement binds (Expression::context_name) is read from the context without searching the
// frames; a chain of such a name and attributes (`run.project.name`) is resolved on the
// context's JSON without building a Value per step (FindContextJson); a printed context string
// or local variable is written where it is; `x|upper`, `x|round(2)`, `x|default('n/a')`,
// `x|join(', ')`, `'%.1f'|format(x)` and the other filters with an appender (FindFilterAppender)
// append to the output directly, their positional arguments evaluated without CallArguments
// (literals read from the tree) and the filter called only when the appender declines; the usual
// loop targets are bound without the general Assign (BindLoopTarget); `{% for k, v in x|dictsort
// %}` over a context object walks the object's sorted JSON entries without building dictsort's
// list, the loop object building an item only when asked for one (RenderDictSortFor,
// LoopData::json_entries), rebinding key and value in the same frame from one iteration to the
// next (ReboundInPlace); `loop.first` / `loop.last` in conditions are read from the loop
// (EvaluateCondition). Against a PreparedContext (prepared_index.h) a chain is found with one
// probe by its Expression::context_path_hash and a dictsort loop copies the order computed when
// the context was prepared; an overlay's names are read from the overlay as from a plain
// context. Each falls back to the general path when it does not apply.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "template/compiled_template.h"
#include "template/operators.h"
#include "template/prepared_index.h"
#include "template/template.h"
#include "template/value.h"

namespace runhook::templating {

// Local variables of one scope. Names view the compiled template's tree (or string literals),
// which outlives every render of it.
using Frame = std::vector<std::pair<std::string_view, Value>>;
using FramePtr = std::shared_ptr<Frame>;

class Renderer {
 public:
  Renderer(const detail::CompiledTemplate& compiled, const Json& context, UndefinedMode mode,
           const RenderLimits& limits);
  // Against a prepared context (prepared.json) and `overlay`, a JSON object (or null) whose
  // top-level names shadow the prepared ones. Chains on the prepared context are resolved with
  // its index and its dictsort orders reused. REQUIRES: both outlive the renderer.
  Renderer(const detail::CompiledTemplate& compiled, const detail::PreparedIndex& prepared,
           const Json* overlay, UndefinedMode mode, const RenderLimits& limits);
  ~Renderer();  // gives the frame and argument containers back to this thread's cache
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;
  RenderResult Run();

  // ---- services for filters, tests and callables ----
  UndefinedMode mode() const { return mode_; }
  const RenderLimits& limits() const { return limits_; }
  const OperatorLimits& operator_limits() const { return operator_limits_; }

  // An undefined value used where Jinja2's Undefined itself fails (arithmetic, calls, attribute
  // access, ordering): throws its UndefinedError in every mode. No-op for defined values.
  void RequireDefined(const Value& value);
  // An undefined value printed, iterated, measured, tested for truth or compared for equality:
  // StrictUndefined fails; the other modes record the name and go on. No-op for defined values.
  void UseUndefined(const Value& value);

  // Jinja2's environment.getattr (attribute first, then item) and getitem (item first, then
  // attribute). `source`, when given, is the expression that produced `object`; it names the
  // object in undefined_names ("run.summary" + ".accuracy"). `may_be_method` false (the
  // parser's MayBeMethodName) skips looking for a bound method of that name.
  Value GetAttribute(const Value& object, std::string_view name, const Expression* source = nullptr,
                     bool may_be_method = true);
  Value GetItem(const Value& object, const Value& key, const Expression* source = nullptr);
  // Dotted attribute path as filters use it ("user.name", "0.x"): each part an attribute or,
  // for digits, an integer index.
  Value GetAttributePath(const Value& object, std::string_view dotted);

  Value CallValue(const Value& callee, CallArguments& arguments);
  Value CallFilter(std::string_view name, const Value& target, CallArguments& arguments);
  bool CallTest(std::string_view name, const Value& target, CallArguments& arguments);

  // Values a for loop or a filter iterates: list items, dict keys, string characters.
  ValueList Iterate(const Value& value);
  bool IsTruthy(const Value& value);
  std::string ToText(const Value& value);  // str(value), with UseUndefined
  void CountIterations(size_t count);      // enforces max_loop_iterations

  // Macro support.
  Value RenderMacro(const Statement& macro, const std::vector<std::weak_ptr<Frame>>& closure,
                    CallArguments& arguments, const Value& caller);
  // Also stops frame reuse for the rest of the render: a closure may outlive its frame.
  std::vector<std::weak_ptr<Frame>> CaptureScopes();
  Value RenderLoopRecursion(const Statement& loop, const Value& iterable, int depth);

  [[noreturn]] void Fail(const std::string& type, const std::string& message,
                         SourceLocation location) const;

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  friend class ScopeGuard;

  // Call arguments for one filter, test or call, taken from argument_pool_ for its duration and
  // given back cleared: the vectors keep their capacity, so most calls allocate nothing. Calls
  // nest (an argument is itself a call), so the pool holds one per nesting level in use.
  class ArgumentsLease {
   public:
    explicit ArgumentsLease(Renderer& renderer);
    ~ArgumentsLease();
    ArgumentsLease(const ArgumentsLease&) = delete;
    ArgumentsLease& operator=(const ArgumentsLease&) = delete;
    CallArguments& arguments() { return *arguments_; }

   private:
    Renderer& renderer_;
    CallArguments* arguments_;
  };

  Flow RenderBody(const StatementList& body);
  Flow RenderStatement(const Statement& statement);
  void RenderFor(const Statement& statement, const Value& iterable, int depth);
  Flow RenderIf(const Statement& statement);
  void RenderSet(const Statement& statement);
  void RenderSetBlock(const Statement& statement);
  void RenderMacroDefinition(const Statement& statement);
  void RenderCallBlock(const Statement& statement);
  void RenderFilterBlock(const Statement& statement);
  Flow RenderWith(const Statement& statement);
  std::string Capture(const StatementList& body);
  void Write(std::string_view text) {
    CountOutput(text.size());
    output_->append(text);
  }
  void CountOutput(size_t bytes) {  // enforces max_output_bytes
    output_bytes_ += bytes;
    if (output_bytes_ > limits_.max_output_bytes) OutputLimitExceeded();
  }
  [[noreturn]] void OutputLimitExceeded() const;
  void WriteValue(const Value& value);
  // Prints `expression` when it is `target|filter(...)` with at most four positional arguments
  // (no keyword, * or ** ones) and the filter has an appender (see FindFilterAppender): the text
  // goes straight into the output, or the filter is called on the values already evaluated when
  // the appender declines. Returns false, having evaluated nothing, otherwise.
  bool WriteFiltered(const Expression& expression);
  // WriteFiltered's call, its values evaluated: the appender's text, else the filter's value
  // printed. REQUIRES: expression.appender is not null.
  void WriteFilterCall(const Expression& expression, const Value& target,
                       std::span<const Value* const> arguments);

  Value Evaluate(const Expression& expression);
  // IsTruthy(Evaluate(condition)); `loop.first` and `loop.last` (under any number of `not`) on
  // a for loop's `loop` are read from the loop in place, without building a value.
  bool EvaluateCondition(const Expression& condition);
  Value EvaluateUnlocated(const Expression& expression);
  Value EvaluateName(const Expression& expression);
  Value EvaluateCompare(const Expression& expression);
  Value EvaluateCall(const Expression& expression);
  Value EvaluateFilter(const Expression& expression, const Value* block_target);
  Value EvaluateTest(const Expression& expression);
  Value EvaluateSlice(const Expression& expression);
  Value EvaluateConcat(const Expression& expression);
  void EvaluateArguments(const Expression& expression, CallArguments* arguments);
  std::string PathOf(const Expression& expression) const;

  void Assign(const Expression& target, const Value& value);
  // Assign for the common loop targets (`x`, `key, value` from a 2-item sequence) into a frame
  // that holds only `loop`: appended without searching the frame. False, having done nothing,
  // for any other target or item (then Assign, which also raises the unpacking errors).
  bool BindLoopTarget(const Expression& target, const Value& item, Frame* frame);
  // Renders `{% for key, value in x|dictsort %}` where `x` is a context object (FindContextJson)
  // of at most LoopData::kMaxJsonEntries entries with ASCII keys, and the loop has no inline
  // `if`, no `recursive` and a non-empty object: iterates the sorted entries of the JSON itself
  // (LoopData::json_entries) without building dictsort's list. Returns false, having rendered
  // and evaluated nothing, otherwise (then RenderFor).
  bool RenderDictSortFor(const Statement& statement);
  // The next iteration of RenderDictSortFor in the frame of the previous one, when the body
  // left it as the loop built it (`loop`, key, value; nothing added, `loop` not replaced) and
  // RenewFrame would have kept it: rebinds the key and the value in place and returns true.
  // False, having changed nothing, otherwise (then RenewFrame and a fresh binding).
  bool ReboundInPlace(const std::string& key, const Json& value, const Value& loop_value);
  // REQUIRES: `name` outlives the render (a name in the tree or a literal).
  void SetLocal(std::string_view name, Value value);
  // Frames come from and go back to spare_frames_, so a loop does not allocate one per
  // iteration (unless a closure captured frames, see CaptureScopes).
  FramePtr NewFrame();
  void ReleaseFrame();
  // Empties the innermost frame for a new scope in its place (the next loop iteration), or
  // replaces it with a fresh one when a closure may hold it (see CaptureScopes).
  void RenewFrame();
  bool Lookup(std::string_view name, Value* found) const;
  // The local variable `name` in the innermost frame that holds it, or null. The pointer is
  // valid until that frame changes (a set, a new iteration): use it before running anything
  // that could assign.
  const Value* FindLocal(std::string_view name) const;
  // The render context's entry `name` (the overlay's first, see the constructor), or null (no
  // such key, or the context is not an object).
  const Json* FindContextEntry(std::string_view name) const;
  const Json* FindPreparedEntry(std::string_view name) const;  // REQUIRES: prepared_ set
  // The JSON that a chain of context names and attributes (`run.project.name`, see
  // Expression::context_name) reaches without a frame, a possible method name or a missing key
  // on the way; null for any other expression or when the chain leaves the context (the caller
  // then evaluates it the general way, which also produces the undefined and its message).
  // Saves building a Value per step; the JSON is borrowed from the context, valid for the
  // render.
  const Json* FindContextJson(const Expression& expression) const {
    if (prepared_ != nullptr) return FindPreparedJson(expression);
    return FindUnpreparedJson(expression);
  }
  // FindContextJson on a prepared context: the whole chain in one probe (see prepared_index.h),
  // unless the overlay holds its first name.
  const Json* FindPreparedJson(const Expression& expression) const;  // REQUIRES: prepared_ set
  // FindContextJson name by name.
  const Json* FindUnpreparedJson(const Expression& expression) const {
    if (expression.kind == ExpressionKind::kName) {
      return expression.context_name ? FindContextEntry(expression.name) : nullptr;
    }
    if (expression.kind != ExpressionKind::kAttribute || expression.may_be_method) return nullptr;
    return FindContextAttribute(expression);
  }
  const Json* FindContextAttribute(const Expression& expression) const;  // REQUIRES: kAttribute
  // Whether the overlay has an entry named as the first name of the chain `expression`.
  // REQUIRES: expression.context_path_hash != 0.
  bool OverlayHoldsFirstName(const Expression& expression) const;

  // Emptied frames and argument containers kept by each thread between its renders, so that a
  // render reuses their capacity instead of allocating them again. A Renderer takes them when
  // it starts and gives them back, emptied, when it ends.
  struct Scratch {
    std::vector<FramePtr> scopes;
    std::vector<FramePtr> spare_frames;
    std::vector<std::unique_ptr<CallArguments>> argument_pool;
  };
  static Scratch& ThreadScratch();

  const detail::CompiledTemplate& compiled_;
  const Json& context_;
  const detail::PreparedIndex* prepared_ = nullptr;  // null unless rendering a PreparedContext
  const Json* overlay_ = nullptr;                    // may be null; see the constructor
  UndefinedMode mode_;
  RenderLimits limits_;
  OperatorLimits operator_limits_;
  std::vector<FramePtr> scopes_;
  std::vector<FramePtr> spare_frames_;  // cleared frames, only referenced from here
  std::vector<std::unique_ptr<CallArguments>> argument_pool_;  // see ArgumentsLease
  size_t arguments_in_use_ = 0;
  // What a filter or test called without arguments receives; filters, tests and callables
  // never modify their arguments, so it stays empty.
  CallArguments no_arguments_;
  bool frames_captured_ = false;
  std::string* output_;
  size_t output_bytes_ = 0;
  size_t iterations_ = 0;
  int depth_ = 0;
  std::vector<std::string> undefined_names_;
};

}  // namespace runhook::templating
