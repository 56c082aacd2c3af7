// The syntax tree the parser builds and the renderer walks. Immutable once parsed.
//
// Nodes, their child vectors and their names live in one arena per compiled template (a
// NodeArena owned by ParsedTemplate, see arena.h and parser.h): building a tree is
// a few block allocations instead of one heap allocation per node and per vector, and freeing it
// is the arena's few blocks. Node pointers own their node's lifetime (the destructor runs, so the
// Value constants inside are released) but not its memory, which the arena returns all at once;
// the arena must therefore outlive every node in it. Names and text are string_views into the
// arena. A finished tree is freed without running the node destructors: ParsedTemplate releases
// the few constants that own heap memory itself (see parser.h), so a new member that owns memory
// outside the arena must be registered there too.
#pragma once

#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "template/errors.h"
#include "template/filters.h"
#include "template/operators.h"
#include "template/tests.h"
#include "template/value.h"

namespace runhook::templating {

enum class ExpressionKind {
  kLiteral,    // constant
  kName,       // name
  kAttribute,  // children[0] . name
  kItem,       // children[0] [ children[1] ]
  kSlice,      // children[0] [ children[1] : children[2] : children[3] ] (null parts absent)
  kList,       // [children...]
  kTuple,      // (children...)
  kDict,       // {children[0]: children[1], children[2]: children[3], ...}
  kNegate,     // -children[0]
  kPositive,   // +children[0]
  kNot,        // not children[0]
  kBinary,     // children[0] binary_operator children[1]
  kConcat,     // children[0] ~ children[1] ~ ...
  kCompare,    // children[0] compare_operators[0] children[1] ...
  kAnd,        // children[0] and children[1]
  kOr,         // children[0] or children[1]
  kCondition,  // children[1] if children[0] else children[2] (children[2] may be null)
  kFilter,     // children[0] | name(arguments); children[0] null inside {% filter %}
  kTest,       // children[0] is name(arguments)
  kCall,       // children[0](arguments)
  kNamespaceReference,  // {% set name.attribute = ... %}: name, attribute
};

// Runs a node's destructor and leaves its memory to the arena it was allocated in.
struct NodeDestroyer {
  template <typename Node>
  void operator()(Node* node) const {
    node->~Node();
  }
};

struct Expression;
using ExpressionPtr = std::unique_ptr<Expression, NodeDestroyer>;
using ExpressionList = std::pmr::vector<ExpressionPtr>;

struct Expression {
  // REQUIRES: `arena` outlives the node; vectors allocate from it.
  explicit Expression(std::pmr::memory_resource* arena)
      : compare_operators(arena), children(arena), arguments(arena), keywords(arena) {}

  ExpressionKind kind = ExpressionKind::kLiteral;
  SourceLocation location;
  std::string_view name;       // kName, kAttribute, kFilter, kTest, kNamespaceReference
  std::string_view attribute;  // kNamespaceReference
  Value constant;  // kLiteral; kCondition without else: the undefined it evaluates to if false
  BinaryOperator binary_operator = BinaryOperator::kAdd;
  bool may_be_method = true;  // kAttribute: MayBeMethodName(name) (see callables.h)
  // kName: no statement of the template binds this name (no set, for, with, macro or call
  // target or parameter, and not loop/caller/varargs/kwargs), so no frame can hold it and the
  // renderer looks it up in the render context (then the globals) directly. Set by the parser
  // once the whole template is parsed (see MarkContextNames in parser.cpp).
  bool context_name = false;
  // kName with context_name, or kAttribute whose chain down to such a name has no
  // may_be_method attribute (`run.project.name`): ContextPathHash of the dotted path, with which
  // a PreparedContext finds the JSON at that path in one probe (see prepared_index.h). 0
  // otherwise. Set by the parser with context_name.
  uint64_t context_path_hash = 0;
  std::pmr::vector<CompareOperator> compare_operators;
  ExpressionList children;
  // Call, filter and test arguments (after the target for filters and tests).
  ExpressionList arguments;
  std::pmr::vector<std::pair<std::string_view, ExpressionPtr>> keywords;
  ExpressionPtr star_arguments;         // *args
  ExpressionPtr double_star_arguments;  // **kwargs
  FilterFunction filter = nullptr;      // kFilter: the resolved implementation
  FilterAppender appender = nullptr;    // kFilter: FindFilterAppender(filter), may be null
  TestFunction test = nullptr;          // kTest: the resolved implementation
};

// Whether a call, filter or test node passes any argument (after the filtered or tested value).
inline bool HasArguments(const Expression& call) {
  return !call.arguments.empty() || !call.keywords.empty() || call.star_arguments ||
         call.double_star_arguments;
}

enum class StatementKind {
  kData,         // text
  kPrint,        // {{ expression }}
  kIf,           // conditions[i] -> bodies[i]; bodies.back() is else when one longer
  kFor,          // for target in expression [if condition] [recursive]: bodies[0], else bodies[1]
  kSet,          // set target = expression
  kSetBlock,     // set target [| filter expression]: bodies[0]
  kMacro,        // macro text(parameters=defaults): bodies[0]
  kCallBlock,    // call(parameters) expression: bodies[0]
  kFilterBlock,  // filter expression: bodies[0]
  kWith,         // with targets = values: bodies[0]
  kBlock,        // block text: bodies[0]
  kBreak,
  kContinue,
};

struct Statement;
using StatementPtr = std::unique_ptr<Statement, NodeDestroyer>;
using StatementList = std::pmr::vector<StatementPtr>;

struct Statement {
  // REQUIRES: `arena` outlives the node; vectors allocate from it.
  explicit Statement(std::pmr::memory_resource* arena)
      : conditions(arena),
        bodies(arena),
        parameters(arena),
        defaults(arena),
        targets(arena),
        values(arena) {}

  StatementKind kind = StatementKind::kData;
  SourceLocation location;
  std::string_view text;      // kData text, kMacro / kBlock name
  ExpressionPtr expression;   // printed / iterated / assigned / called / filter chain
  ExpressionPtr target;       // assignment target: kName, kTuple of kName, kNamespaceReference
  ExpressionPtr condition;    // kFor inline filter
  ExpressionList conditions;  // kIf
  std::pmr::vector<StatementList> bodies;
  std::pmr::vector<std::string_view> parameters;  // kMacro, kCallBlock
  ExpressionList defaults;                        // one per parameter; null when it has none
  ExpressionList targets;                         // kWith
  ExpressionList values;                          // kWith
  bool recursive = false;                         // kFor
  bool uses_caller = false;                       // kMacro, kCallBlock: the body refers to `caller`
  bool uses_varargs = false;  // ... to `varargs` (extra positional arguments accepted)
  bool uses_kwargs = false;   // ... to `kwargs` (extra keyword arguments accepted)
};

}  // namespace runhook::templating
