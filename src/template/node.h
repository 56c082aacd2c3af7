// The syntax tree the parser builds and the renderer walks. Immutable once parsed.
#pragma once

#include <memory>
#include <string>
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

struct Expression;
using ExpressionPtr = std::unique_ptr<Expression>;

struct Expression {
  ExpressionKind kind;
  SourceLocation location;
  std::string name;       // kName, kAttribute, kFilter, kTest, kNamespaceReference
  std::string attribute;  // kNamespaceReference
  Value constant;         // kLiteral
  BinaryOperator binary_operator = BinaryOperator::kAdd;
  std::vector<CompareOperator> compare_operators;
  std::vector<ExpressionPtr> children;
  // Call, filter and test arguments (after the target for filters and tests).
  std::vector<ExpressionPtr> arguments;
  std::vector<std::pair<std::string, ExpressionPtr>> keywords;
  ExpressionPtr star_arguments;         // *args
  ExpressionPtr double_star_arguments;  // **kwargs
  FilterFunction filter = nullptr;      // kFilter: the resolved implementation
  TestFunction test = nullptr;          // kTest: the resolved implementation
};

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
using StatementPtr = std::unique_ptr<Statement>;
using StatementList = std::vector<StatementPtr>;

struct Statement {
  StatementKind kind;
  SourceLocation location;
  std::string text;          // kData text, kMacro / kBlock name
  ExpressionPtr expression;  // printed / iterated / assigned / called / filter chain
  ExpressionPtr target;      // assignment target: kName, kTuple of kName, kNamespaceReference
  ExpressionPtr condition;   // kFor inline filter
  std::vector<ExpressionPtr> conditions;  // kIf
  std::vector<StatementList> bodies;
  std::vector<std::string> parameters;  // kMacro, kCallBlock
  std::vector<ExpressionPtr> defaults;  // one per parameter; null when it has none
  std::vector<ExpressionPtr> targets;   // kWith
  std::vector<ExpressionPtr> values;    // kWith
  bool recursive = false;               // kFor
  bool uses_caller = false;             // kMacro, kCallBlock: the body refers to `caller`
  bool uses_varargs = false;            // ... to `varargs` (extra positional arguments accepted)
  bool uses_kwargs = false;             // ... to `kwargs` (extra keyword arguments accepted)
};

}  // namespace runhook::templating
