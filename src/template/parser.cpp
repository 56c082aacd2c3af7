// Recursive-descent parser mirroring jinja2/parser.py. See parser.h.
#include "template/parser.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <new>

#include "template/callables.h"
#include "template/filters.h"
#include "template/path_hash.h"
#include "template/tests.h"

namespace runhook::templating {
namespace {

// "name:endfor" style rule: a name token with that value.
// At most three names (Jinja2's longest list is "elif", "else", "endif"), held inline: a block
// body is parsed with one, so a heap vector each would be most of a block's allocations.
class EndRules {
 public:
  EndRules(std::initializer_list<std::string_view> names)
      : size_(std::min(names.size(), names_.size())) {
    std::copy(names.begin(), names.begin() + size_, names_.begin());
  }
  size_t size() const { return size_; }
  std::string_view operator[](size_t index) const { return names_[index]; }
  const std::string_view* begin() const { return names_.data(); }
  const std::string_view* end() const { return names_.data() + size_; }

 private:
  std::array<std::string_view, 3> names_;
  size_t size_;
};

// a == b, inlined: one side is a short literal, so no library memcmp call for names that differ
// only after their length.
bool Same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// true, false, none in either case: names that parse as constants.
bool IsConstantName(std::string_view name) {
  return Same(name, "true") || Same(name, "false") || Same(name, "none") || Same(name, "True") ||
         Same(name, "False") || Same(name, "None");
}

// Precedence levels of Jinja2's binary operators, loosest first (parse_or ... parse_pow);
// `not` is a prefix at kNotLevel.
enum Level : int {
  kOrLevel,
  kAndLevel,
  kNotLevel,
  kCompareLevel,
  kMath1Level,   // + -
  kConcatLevel,  // ~
  kMath2Level,   // * / // %
  kPowLevel,     // **
  kNoLevel = 100,
};

class Parser {
 public:
  // REQUIRES: `arena` outlives the nodes this parser builds; `tokens` ends with a kEnd token.
  Parser(const std::vector<Token>& tokens, std::string_view name, NodeArena* arena)
      : current_(tokens.data()),
        last_(tokens.data() + tokens.size() - 1),
        name_(name),
        arena_(arena) {
    pending_.reserve(64);
    name_nodes_.reserve(tokens.size() / 4 + 8);
    bound_names_.reserve(16);
    bound_names_.insert(bound_names_.end(), {"loop", "caller", "varargs", "kwargs"});
    end_token_stack_.reserve(8);
    tag_stack_.reserve(8);
  }

  StatementList Run() {
    StatementList body = Subparse(nullptr);
    MarkContextNames();
    return body;
  }

  // The constants that own memory outside the arena (see ParsedTemplate), after Run.
  std::pmr::vector<Value*> TakeOwnedConstants() { return std::move(owned_constants_); }

 private:
  // A node of type Node (Expression or Statement) in the template's arena.
  template <typename Node, typename Kind>
  std::unique_ptr<Node, NodeDestroyer> MakeNode(Kind kind, SourceLocation location) {
    std::unique_ptr<Node, NodeDestroyer> node(new (arena_->Allocate(sizeof(Node), alignof(Node)))
                                                  Node(arena_));
    node->kind = kind;
    node->location = location;
    return node;
  }

  ExpressionPtr MakeExpression(ExpressionKind kind, SourceLocation location) {
    return MakeNode<Expression>(kind, location);
  }

  StatementPtr MakeStatement(StatementKind kind, SourceLocation location) {
    return MakeNode<Statement>(kind, location);
  }

  // A copy of `text` in the arena: token text views the source, which the tree outlives.
  std::string_view Keep(std::string_view text) {
    if (text.empty()) return {};
    char* copy = static_cast<char*>(arena_->Allocate(text.size(), 1));
    std::memcpy(copy, text.data(), text.size());
    return std::string_view(copy, text.size());
  }

  const Token& Current() const { return *current_; }
  const Token& Look() const { return current_ != last_ ? current_[1] : *current_; }
  const Token& Next() {
    const Token& token = *current_;
    if (current_ != last_) ++current_;
    return token;
  }
  bool AtOperator(Operator op) const { return Current().op == op; }
  bool AtName(std::string_view name) const { return Current().IsName(name); }
  bool SkipOperator(Operator op) {
    if (!AtOperator(op)) return false;
    Next();
    return true;
  }
  bool SkipName(std::string_view name) {
    if (!AtName(name)) return false;
    Next();
    return true;
  }

  [[noreturn]] void Fail(const std::string& message, SourceLocation location) const {
    throw TemplateError("TemplateSyntaxError", message, std::string(name_), location.line,
                        location.column);
  }
  [[noreturn]] void Fail(const std::string& message) const { Fail(message, Current().location); }

  static std::string Describe(std::string_view expected) {
    if (expected == "variable_end") return "end of print statement";
    if (expected == "block_end") return "end of statement block";
    if (expected == "name") return "name";
    return std::string(expected);
  }

  void ExpectFailure(std::string_view expected) const {
    if (Current().kind == TokenKind::kEnd) {
      Fail("unexpected end of template, expected '" + Describe(expected) + "'.");
    }
    Fail("expected token '" + Describe(expected) + "', got '" + DescribeToken(Current()) + "'");
  }
  const Token& ExpectOperator(Operator op) {
    if (!AtOperator(op)) ExpectFailure(OperatorSpelling(op));
    return Next();
  }
  const Token& ExpectName() {
    if (Current().kind != TokenKind::kName) ExpectFailure("name");
    return Next();
  }
  const Token& ExpectKeyword(std::string_view keyword) {
    if (!AtName(keyword)) ExpectFailure(keyword);
    return Next();
  }
  void ExpectKind(TokenKind kind) {
    if (Current().kind != kind) {
      ExpectFailure(kind == TokenKind::kVariableEnd ? "variable_end" : "block_end");
    }
    Next();
  }

  bool TestAny(const EndRules* rules) const {
    if (rules == nullptr) return false;
    for (std::string_view rule : *rules) {
      if (Current().kind == TokenKind::kName && Same(Current().text, rule)) return true;
    }
    return false;
  }

  // ---- context names -----------------------------------------------------------------------

  // Sets Expression::context_name on every name node whose name no statement binds: such a
  // name can never be in a frame, so the renderer skips searching them.
  // Marks every name node whose name no statement binds (see bound_names_).
  void MarkContextNames() {
    // A name whose (length, first letter) no bound name has is not bound: most are decided
    // without comparing texts.
    uint64_t signatures = 0;
    for (std::string_view name : bound_names_) signatures |= NameSignature(name);
    for (Expression* node : name_nodes_) {
      bool is_bound = false;
      if ((signatures & NameSignature(node->name)) != 0) {
        for (std::string_view name : bound_names_) {
          if (Same(name, node->name)) {
            is_bound = true;
            break;
          }
        }
      }
      node->context_name = !is_bound;
      if (node->context_name) node->context_path_hash = ContextPathHash(0, node->name);
    }
    // Created inner first (`run.project` before `run.project.name`), so each child's hash is
    // set before its parent's.
    for (Expression* node : attribute_nodes_) {
      uint64_t child_hash = node->children[0]->context_path_hash;
      if (child_hash != 0 && !node->may_be_method) {
        node->context_path_hash = ContextPathHash(child_hash, node->name);
      }
    }
  }

  static uint64_t NameSignature(std::string_view name) {
    unsigned first = name.empty() ? 0 : static_cast<unsigned char>(name[0]);
    return uint64_t{1} << ((name.size() * 7 + first) & 63);
  }

  void AddBoundNames(const Expression& target) {
    if (target.kind == ExpressionKind::kName) bound_names_.push_back(target.name);
    for (const auto& child : target.children) {
      if (child) AddBoundNames(*child);
    }
  }

  // ---- statements --------------------------------------------------------------------------

  // The statements up to one of `end_rules` (or the end). They are gathered on pending_, shared
  // by the nested calls as a stack, and copied into a list of the right size at the end, so
  // that a body does not grow its arena vector step by step.
  StatementList Subparse(const EndRules* end_rules) {
    const size_t first = pending_.size();
    while (Current().kind != TokenKind::kEnd) {
      const Token& token = Current();
      if (token.kind == TokenKind::kData) {
        auto statement = MakeStatement(StatementKind::kData, token.location);
        statement->text = Keep(token.text);
        pending_.push_back(std::move(statement));
        Next();
      } else if (token.kind == TokenKind::kVariableBegin) {
        Next();
        auto statement = MakeStatement(StatementKind::kPrint, token.location);
        statement->expression = ParseTuple(false, true, nullptr, false);
        ExpectKind(TokenKind::kVariableEnd);
        pending_.push_back(std::move(statement));
      } else if (token.kind == TokenKind::kBlockBegin) {
        Next();
        if (TestAny(end_rules)) break;
        ParseStatement(&pending_);
        ExpectKind(TokenKind::kBlockEnd);
      } else {
        Fail("unexpected '" + DescribeToken(token) + "'");
      }
    }
    StatementList body(arena_);
    body.reserve(pending_.size() - first);
    for (size_t i = first; i < pending_.size(); ++i) body.push_back(std::move(pending_[i]));
    pending_.resize(first);
    return body;
  }

  [[noreturn]] void FailUnknownTag(const std::string& tag, SourceLocation location) {
    std::string message = "Encountered unknown tag '" + tag + "'.";
    AppendLookingFor(&message);
    Fail(message, location);
  }

  void AppendLookingFor(std::string* message) const {
    if (!end_token_stack_.empty()) {
      const EndRules& expected = end_token_stack_.back();
      std::string list;
      for (size_t i = 0; i < expected.size(); ++i) {
        if (i > 0) list += i + 1 == expected.size() ? " or " : ", ";
        list += "'" + std::string(expected[i]) + "'";
      }
      *message += " Jinja was looking for the following tags: " + list + ".";
    }
    if (!tag_stack_.empty()) {
      *message += " The innermost block that needs to be closed is '" +
                  std::string(tag_stack_.back()) + "'.";
    }
  }

  // Parses a block body up to one of `end_rules`; leaves the end tag's name current unless
  // `drop_needle`, in which case it is consumed.
  StatementList ParseStatements(EndRules end_rules, bool drop_needle) {
    SkipOperator(Operator::kColon);
    ExpectKind(TokenKind::kBlockEnd);
    end_token_stack_.push_back(end_rules);
    StatementList body = Subparse(&end_rules);
    if (Current().kind == TokenKind::kEnd) {
      std::string message = "Unexpected end of template.";
      AppendLookingFor(&message);
      Fail(message);
    }
    end_token_stack_.pop_back();
    if (drop_needle) Next();
    return body;
  }

  void ParseStatement(std::vector<StatementPtr>* body) {
    const Token& token = Current();
    if (token.kind != TokenKind::kName) Fail("tag name expected");
    std::string_view tag = token.text;
    tag_stack_.push_back(tag);
    if (Same(tag, "for")) {
      body->push_back(ParseFor());
    } else if (Same(tag, "if")) {
      body->push_back(ParseIf());
    } else if (Same(tag, "set")) {
      body->push_back(ParseSet());
    } else if (Same(tag, "macro")) {
      body->push_back(ParseMacro());
    } else if (Same(tag, "call")) {
      body->push_back(ParseCallBlock());
    } else if (Same(tag, "filter")) {
      body->push_back(ParseFilterBlock());
    } else if (Same(tag, "with")) {
      body->push_back(ParseWith());
    } else if (Same(tag, "block")) {
      body->push_back(ParseBlock());
    } else if (Same(tag, "print")) {
      SourceLocation location = Next().location;
      auto statement = MakeStatement(StatementKind::kPrint, location);
      statement->expression = ParseTuple(false, true, nullptr, false);
      body->push_back(std::move(statement));
    } else if (Same(tag, "break") || Same(tag, "continue")) {
      SourceLocation location = Next().location;
      if (loop_depth_ == 0) Fail("'" + std::string(tag) + "' outside loop", location);
      body->push_back(MakeStatement(
          Same(tag, "break") ? StatementKind::kBreak : StatementKind::kContinue, location));
    } else if (Same(tag, "extends") || Same(tag, "include") || Same(tag, "import") ||
               Same(tag, "from") || Same(tag, "autoescape")) {
      Fail("the '" + std::string(tag) +
           "' tag is not supported: runhook templates load no other templates");
    } else {
      tag_stack_.pop_back();
      FailUnknownTag(std::string(tag), token.location);
    }
    tag_stack_.pop_back();
  }

  StatementPtr ParseFor() {
    SourceLocation location = ExpectKeyword("for").location;
    auto statement = MakeStatement(StatementKind::kFor, location);
    EndRules in_rule = {"in"};
    statement->target = ParseAssignTarget(true, false, &in_rule, false);
    RejectLoopTarget(*statement->target);
    ExpectKeyword("in");
    EndRules recursive_rule = {"recursive"};
    statement->expression = ParseTuple(false, false, &recursive_rule, false);
    if (SkipName("if")) statement->condition = ParseExpression(true);
    statement->recursive = SkipName("recursive");
    ++loop_depth_;
    ++enclosing_for_loops_;
    statement->bodies.push_back(ParseStatements({"endfor", "else"}, false));
    --loop_depth_;
    if (Same(Next().text, "endfor")) {
      statement->bodies.emplace_back();
    } else {
      statement->bodies.push_back(ParseStatements({"endfor"}, true));
    }
    --enclosing_for_loops_;
    return statement;
  }

  // Jinja2 refuses `loop` as a name of a for loop's target, and as a name a set or set block
  // inside a for loop assigns (in its body or else, macros defined there included; `with` and
  // macro parameters may still be named `loop`), at compile time.
  void RejectLoopTarget(const Expression& target) {
    if (target.kind == ExpressionKind::kName && Same(target.name, "loop")) {
      throw TemplateError("TemplateAssertionError",
                          "Can't assign to special loop variable in for-loop target",
                          std::string(name_), target.location.line, target.location.column);
    }
    for (const auto& child : target.children) {
      if (child) RejectLoopTarget(*child);
    }
  }

  StatementPtr ParseIf() {
    SourceLocation location = ExpectKeyword("if").location;
    auto statement = MakeStatement(StatementKind::kIf, location);
    while (true) {
      statement->conditions.push_back(ParseTuple(false, false, nullptr, false));
      statement->bodies.push_back(ParseStatements({"elif", "else", "endif"}, false));
      const Token& token = Next();
      if (Same(token.text, "elif")) continue;
      if (Same(token.text, "else")) statement->bodies.push_back(ParseStatements({"endif"}, true));
      break;
    }
    return statement;
  }

  StatementPtr ParseSet() {
    SourceLocation location = ExpectKeyword("set").location;
    ExpressionPtr target = ParseAssignTarget(true, false, nullptr, true);
    if (enclosing_for_loops_ > 0) RejectLoopTarget(*target);
    if (SkipOperator(Operator::kAssign)) {
      auto statement = MakeStatement(StatementKind::kSet, location);
      statement->target = std::move(target);
      statement->expression = ParseTuple(false, true, nullptr, false);
      return statement;
    }
    auto statement = MakeStatement(StatementKind::kSetBlock, location);
    statement->target = std::move(target);
    if (AtOperator(Operator::kPipe)) statement->expression = ParseFilter(nullptr, false);
    statement->bodies.push_back(ParseStatements({"endset"}, true));
    return statement;
  }

  void ParseSignature(Statement* statement) {
    ExpectOperator(Operator::kLeftParenthesis);
    bool any_default = false;
    while (!AtOperator(Operator::kRightParenthesis)) {
      if (!statement->parameters.empty()) ExpectOperator(Operator::kComma);
      const Token& name = ExpectName();
      CheckAssignableName(name);
      statement->parameters.push_back(Keep(name.text));
      bound_names_.push_back(statement->parameters.back());
      if (SkipOperator(Operator::kAssign)) {
        statement->defaults.push_back(ParseExpression(true));
        any_default = true;
      } else if (any_default) {
        Fail("non-default argument follows default argument");
      } else {
        statement->defaults.push_back(nullptr);
      }
    }
    ExpectOperator(Operator::kRightParenthesis);
  }

  StatementPtr ParseMacro() {
    SourceLocation location = ExpectKeyword("macro").location;
    auto statement = MakeStatement(StatementKind::kMacro, location);
    const Token& name = ExpectName();
    CheckAssignableName(name);
    statement->text = Keep(name.text);
    bound_names_.push_back(statement->text);
    ParseSignature(statement.get());
    int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    open_macros_.push_back(statement.get());
    statement->bodies.push_back(ParseStatements({"endmacro"}, true));
    open_macros_.pop_back();
    loop_depth_ = saved_loop_depth;
    return statement;
  }

  StatementPtr ParseCallBlock() {
    SourceLocation location = ExpectKeyword("call").location;
    auto statement = MakeStatement(StatementKind::kCallBlock, location);
    statement->text = "caller";
    if (AtOperator(Operator::kLeftParenthesis)) ParseSignature(statement.get());
    statement->expression = ParseExpression(true);
    if (statement->expression->kind != ExpressionKind::kCall) Fail("expected call", location);
    int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    open_macros_.push_back(statement.get());
    statement->bodies.push_back(ParseStatements({"endcall"}, true));
    open_macros_.pop_back();
    loop_depth_ = saved_loop_depth;
    return statement;
  }

  StatementPtr ParseFilterBlock() {
    SourceLocation location = ExpectKeyword("filter").location;
    auto statement = MakeStatement(StatementKind::kFilterBlock, location);
    statement->expression = ParseFilter(nullptr, true);
    statement->bodies.push_back(ParseStatements({"endfilter"}, true));
    return statement;
  }

  StatementPtr ParseWith() {
    SourceLocation location = ExpectKeyword("with").location;
    auto statement = MakeStatement(StatementKind::kWith, location);
    while (Current().kind != TokenKind::kBlockEnd) {
      if (!statement->targets.empty()) ExpectOperator(Operator::kComma);
      statement->targets.push_back(ParseAssignTarget(true, false, nullptr, false));
      ExpectOperator(Operator::kAssign);
      statement->values.push_back(ParseExpression(true));
    }
    statement->bodies.push_back(ParseStatements({"endwith"}, true));
    return statement;
  }

  StatementPtr ParseBlock() {
    SourceLocation location = ExpectKeyword("block").location;
    auto statement = MakeStatement(StatementKind::kBlock, location);
    statement->text = Keep(ExpectName().text);
    SkipName("scoped");
    SkipName("required");
    statement->bodies.push_back(ParseStatements({"endblock"}, true));
    if (Current().kind == TokenKind::kName && Current().text == statement->text) Next();
    return statement;
  }

  void CheckAssignableName(const Token& name) {
    if (IsConstantName(name.text)) Fail("can't assign to 'const'", name.location);
  }

  // ---- expressions -------------------------------------------------------------------------

  // An assignment target; the names it binds are added to bound_names_.
  ExpressionPtr ParseAssignTarget(bool with_tuple, bool name_only, const EndRules* extra_end_rules,
                                  bool with_namespace) {
    ExpressionPtr target =
        ParseAssignTargetNode(with_tuple, name_only, extra_end_rules, with_namespace);
    AddBoundNames(*target);
    return target;
  }

  ExpressionPtr ParseAssignTargetNode(bool with_tuple, bool name_only,
                                      const EndRules* extra_end_rules, bool with_namespace) {
    if (with_namespace && Look().IsOperator(Operator::kDot) && Current().kind == TokenKind::kName) {
      const Token& name = Next();
      Next();  // '.'
      const Token& attribute = ExpectName();
      auto target = MakeExpression(ExpressionKind::kNamespaceReference, name.location);
      target->name = Keep(name.text);
      target->attribute = Keep(attribute.text);
      return target;
    }
    if (name_only) {
      const Token& name = ExpectName();
      auto target = MakeExpression(ExpressionKind::kName, name.location);
      target->name = Keep(name.text);
      return target;
    }
    ExpressionPtr target =
        with_tuple ? ParseTuple(true, true, extra_end_rules, false) : ParsePrimary();
    CheckAssignable(*target);
    return target;
  }

  void CheckAssignable(const Expression& target) {
    if (target.kind == ExpressionKind::kName) {
      if (IsConstantName(target.name)) Fail("can't assign to 'const'", target.location);
      return;
    }
    if (target.kind == ExpressionKind::kTuple) {
      for (const auto& child : target.children) CheckAssignable(*child);
      return;
    }
    std::string kind = target.kind == ExpressionKind::kLiteral ? "const" : "expression";
    Fail("can't assign to '" + kind + "'", target.location);
  }

  ExpressionPtr ParseExpression(bool with_condition) {
    return with_condition ? ParseCondition() : ParseOr();
  }

  ExpressionPtr ParseCondition() {
    SourceLocation location = Current().location;
    ExpressionPtr expression = ParseOr();
    while (SkipName("if")) {
      auto condition = MakeExpression(ExpressionKind::kCondition, location);
      ExpressionPtr test = ParseOr();
      ExpressionPtr otherwise = SkipName("else") ? ParseCondition() : nullptr;
      condition->children.reserve(3);
      condition->children.push_back(std::move(test));
      condition->children.push_back(std::move(expression));
      if (!otherwise) {  // what it evaluates to when false, built once here
        condition->constant =
            Value::Undefined("",
                             "the inline if-expression on line " + std::to_string(location.line) +
                                 " evaluated to false and no else section "
                                 "was defined.",
                             true);
      }
      if (condition->constant.is_undefined()) owned_constants_.push_back(&condition->constant);
      condition->children.push_back(std::move(otherwise));
      expression = std::move(condition);
    }
    return expression;
  }

  ExpressionPtr Binary(ExpressionKind kind, SourceLocation location, ExpressionPtr left,
                       ExpressionPtr right) {
    auto node = MakeExpression(kind, location);
    node->children.reserve(2);
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  ExpressionPtr ParseOr() { return ParseBinary(kOrLevel); }

  // The level of the binary operator at the current token, kNoLevel if it is none.
  int BinaryLevel() const {
    const Token& token = Current();
    switch (token.op) {
      case Operator::kNone:
        break;
      case Operator::kEqual:
      case Operator::kNotEqual:
      case Operator::kLess:
      case Operator::kLessEqual:
      case Operator::kGreater:
      case Operator::kGreaterEqual:
        return kCompareLevel;
      case Operator::kAdd:
      case Operator::kSubtract:
        return kMath1Level;
      case Operator::kTilde:
        return kConcatLevel;
      case Operator::kMultiply:
      case Operator::kDivide:
      case Operator::kFloorDivide:
      case Operator::kModulo:
        return kMath2Level;
      case Operator::kPower:
        return kPowLevel;
      default:
        return kNoLevel;
    }
    if (token.kind != TokenKind::kName) return kNoLevel;
    switch (token.text.size()) {
      case 2:
        if (Same(token.text, "or")) return kOrLevel;
        if (Same(token.text, "in")) return kCompareLevel;
        break;
      case 3:
        if (Same(token.text, "and")) return kAndLevel;
        if (Same(token.text, "not") && Look().IsName("in")) return kCompareLevel;
        break;
      default:
        break;
    }
    return kNoLevel;
  }

  // Operators of `min_level` and tighter, by precedence climbing: the same tree (shapes and
  // locations) as Jinja2's one function per level (parse_or, parse_and, ... parse_pow), without
  // descending through every level for every operand. A node is located at the first token of
  // its leftmost operand, as there.
  ExpressionPtr ParseBinary(int min_level) {
    SourceLocation location = Current().location;
    ExpressionPtr left;
    if (min_level <= kNotLevel && AtName("not")) {
      SourceLocation not_location = Next().location;
      left = MakeExpression(ExpressionKind::kNot, not_location);
      left->children.push_back(ParseBinary(kNotLevel));
    } else {
      left = ParseUnary(true);
    }
    while (true) {
      int level = BinaryLevel();
      if (level == kNoLevel || level < min_level) return left;
      switch (level) {
        case kOrLevel:
          Next();
          left = Binary(ExpressionKind::kOr, location, std::move(left), ParseBinary(kAndLevel));
          break;
        case kAndLevel:
          Next();
          left = Binary(ExpressionKind::kAnd, location, std::move(left), ParseBinary(kNotLevel));
          break;
        case kCompareLevel:
          left = ParseCompareChain(location, std::move(left));
          break;
        case kMath1Level: {
          BinaryOperator op =
              Next().op == Operator::kAdd ? BinaryOperator::kAdd : BinaryOperator::kSubtract;
          left = MakeBinary(op, location, std::move(left), ParseBinary(kConcatLevel));
          break;
        }
        case kConcatLevel: {
          auto concat = MakeExpression(ExpressionKind::kConcat, location);
          concat->children.push_back(std::move(left));
          while (SkipOperator(Operator::kTilde))
            concat->children.push_back(ParseBinary(kMath2Level));
          left = std::move(concat);
          break;
        }
        case kMath2Level: {
          BinaryOperator op;
          switch (Next().op) {
            case Operator::kMultiply:
              op = BinaryOperator::kMultiply;
              break;
            case Operator::kDivide:
              op = BinaryOperator::kDivide;
              break;
            case Operator::kFloorDivide:
              op = BinaryOperator::kFloorDivide;
              break;
            default:
              op = BinaryOperator::kModulo;
              break;
          }
          left = MakeBinary(op, location, std::move(left), ParseBinary(kPowLevel));
          break;
        }
        default:  // kPowLevel
          Next();
          left = MakeBinary(BinaryOperator::kPower, location, std::move(left), ParseUnary(true));
          break;
      }
    }
  }

  // `first` followed by one or more comparisons: one kCompare node for the chain.
  ExpressionPtr ParseCompareChain(SourceLocation location, ExpressionPtr first) {
    auto compare = MakeExpression(ExpressionKind::kCompare, location);
    compare->children.push_back(std::move(first));
    while (true) {
      CompareOperator op;
      const Token& token = Current();
      switch (token.op) {
        case Operator::kEqual:
          op = CompareOperator::kEqual;
          break;
        case Operator::kNotEqual:
          op = CompareOperator::kNotEqual;
          break;
        case Operator::kLess:
          op = CompareOperator::kLess;
          break;
        case Operator::kLessEqual:
          op = CompareOperator::kLessEqual;
          break;
        case Operator::kGreater:
          op = CompareOperator::kGreater;
          break;
        case Operator::kGreaterEqual:
          op = CompareOperator::kGreaterEqual;
          break;
        default:
          if (token.IsName("in")) {
            op = CompareOperator::kIn;
          } else if (token.IsName("not") && Look().IsName("in")) {
            Next();
            op = CompareOperator::kNotIn;
          } else {
            return compare;
          }
      }
      Next();
      compare->compare_operators.push_back(op);
      compare->children.push_back(ParseBinary(kMath1Level));
    }
  }

  ExpressionPtr MakeBinary(BinaryOperator op, SourceLocation location, ExpressionPtr left,
                           ExpressionPtr right) {
    auto node = Binary(ExpressionKind::kBinary, location, std::move(left), std::move(right));
    node->binary_operator = op;
    return node;
  }

  ExpressionPtr ParseUnary(bool with_filter) {
    SourceLocation location = Current().location;
    ExpressionPtr node;
    if (AtOperator(Operator::kSubtract) || AtOperator(Operator::kAdd)) {
      bool negate = Next().op == Operator::kSubtract;
      node = MakeExpression(negate ? ExpressionKind::kNegate : ExpressionKind::kPositive, location);
      node->children.push_back(ParseUnary(false));
    } else {
      node = ParsePrimary();
    }
    node = ParsePostfix(std::move(node));
    if (with_filter) node = ParseFilterExpression(std::move(node));
    return node;
  }

  ExpressionPtr ParsePrimary() {
    const Token& token = Current();
    SourceLocation location = token.location;
    if (token.kind == TokenKind::kName) {
      Next();
      auto node = MakeExpression(ExpressionKind::kLiteral, location);
      const std::string_view text = token.text;
      if (text.size() == 4 && (Same(text, "true") || Same(text, "True"))) {
        node->constant = Value::Boolean(true);
      } else if (text.size() == 5 && (Same(text, "false") || Same(text, "False"))) {
        node->constant = Value::Boolean(false);
      } else if (text.size() == 4 && (Same(text, "none") || Same(text, "None"))) {
        node->constant = Value::None();
      } else {
        node->kind = ExpressionKind::kName;
        node->name = Keep(token.text);
        name_nodes_.push_back(node.get());
        if (!open_macros_.empty()) {
          Statement* macro = open_macros_.back();
          if (Same(token.text, "caller")) macro->uses_caller = true;
          if (Same(token.text, "varargs")) macro->uses_varargs = true;
          if (Same(token.text, "kwargs")) macro->uses_kwargs = true;
        }
      }
      return node;
    }
    if (token.kind == TokenKind::kString) {
      std::string text;
      while (Current().kind == TokenKind::kString) text += Next().text;
      auto node = MakeExpression(ExpressionKind::kLiteral, location);
      node->constant = Value::String(std::move(text));
      owned_constants_.push_back(&node->constant);
      return node;
    }
    if (token.kind == TokenKind::kInteger || token.kind == TokenKind::kFloat) {
      Next();
      auto node = MakeExpression(ExpressionKind::kLiteral, location);
      node->constant = token.kind == TokenKind::kInteger ? Value::Integer(token.integer)
                                                         : Value::Float(token.floating);
      return node;
    }
    if (token.IsOperator(Operator::kLeftParenthesis)) {
      Next();
      ExpressionPtr node = ParseTuple(false, true, nullptr, true);
      ExpectOperator(Operator::kRightParenthesis);
      return node;
    }
    if (token.IsOperator(Operator::kLeftBracket)) return ParseList();
    if (token.IsOperator(Operator::kLeftBrace)) return ParseDict();
    if (token.kind == TokenKind::kVariableEnd || token.kind == TokenKind::kBlockEnd ||
        token.kind == TokenKind::kEnd) {
      Fail("Expected an expression, got '" + DescribeToken(token) + "'");
    }
    Fail("unexpected '" + DescribeToken(token) + "'");
  }

  bool IsTupleEnd(const EndRules* extra_end_rules) const {
    const Token& token = Current();
    if (token.kind == TokenKind::kVariableEnd || token.kind == TokenKind::kBlockEnd ||
        token.IsOperator(Operator::kRightParenthesis)) {
      return true;
    }
    return TestAny(extra_end_rules);
  }

  ExpressionPtr ParseTuple(bool simplified, bool with_condition, const EndRules* extra_end_rules,
                           bool explicit_parentheses) {
    SourceLocation location = Current().location;
    auto parse_item = [&] { return simplified ? ParsePrimary() : ParseExpression(with_condition); };
    if (IsTupleEnd(extra_end_rules)) {
      if (!explicit_parentheses) {
        Fail("Expected an expression, got '" + DescribeToken(Current()) + "'");
      }
      return MakeExpression(ExpressionKind::kTuple, location);  // ()
    }
    ExpressionPtr first = parse_item();
    if (!AtOperator(Operator::kComma)) return first;  // no tuple: the usual case
    auto tuple = MakeExpression(ExpressionKind::kTuple, location);
    tuple->children.push_back(std::move(first));
    while (true) {
      ExpectOperator(Operator::kComma);
      if (IsTupleEnd(extra_end_rules)) break;
      tuple->children.push_back(parse_item());
      if (!AtOperator(Operator::kComma)) break;
    }
    return tuple;
  }

  ExpressionPtr ParseList() {
    SourceLocation location = ExpectOperator(Operator::kLeftBracket).location;
    auto list = MakeExpression(ExpressionKind::kList, location);
    while (!AtOperator(Operator::kRightBracket)) {
      if (!list->children.empty()) ExpectOperator(Operator::kComma);
      if (AtOperator(Operator::kRightBracket)) break;
      list->children.push_back(ParseExpression(true));
    }
    ExpectOperator(Operator::kRightBracket);
    return list;
  }

  ExpressionPtr ParseDict() {
    SourceLocation location = ExpectOperator(Operator::kLeftBrace).location;
    auto dict = MakeExpression(ExpressionKind::kDict, location);
    while (!AtOperator(Operator::kRightBrace)) {
      if (!dict->children.empty()) ExpectOperator(Operator::kComma);
      if (AtOperator(Operator::kRightBrace)) break;
      dict->children.push_back(ParseExpression(true));
      ExpectOperator(Operator::kColon);
      dict->children.push_back(ParseExpression(true));
    }
    ExpectOperator(Operator::kRightBrace);
    return dict;
  }

  ExpressionPtr ParsePostfix(ExpressionPtr node) {
    while (true) {
      if (AtOperator(Operator::kDot) || AtOperator(Operator::kLeftBracket)) {
        node = ParseSubscript(std::move(node));
      } else if (AtOperator(Operator::kLeftParenthesis)) {
        node = ParseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExpressionPtr ParseFilterExpression(ExpressionPtr node) {
    while (true) {
      if (AtOperator(Operator::kPipe)) {
        node = ParseFilter(std::move(node), false);
      } else if (AtName("is")) {
        node = ParseTest(std::move(node));
      } else if (AtOperator(Operator::kLeftParenthesis)) {
        node = ParseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExpressionPtr ParseSubscript(ExpressionPtr node) {
    const Token& token = Next();
    if (token.IsOperator(Operator::kDot)) {
      const Token& attribute = Next();
      if (attribute.kind == TokenKind::kName) {
        auto access = MakeExpression(ExpressionKind::kAttribute, token.location);
        access->name = Keep(attribute.text);
        access->may_be_method = MayBeMethodName(access->name);
        access->children.push_back(std::move(node));
        attribute_nodes_.push_back(access.get());
        return access;
      }
      if (attribute.kind != TokenKind::kInteger)
        Fail("expected name or number", attribute.location);
      auto access = MakeExpression(ExpressionKind::kItem, token.location);
      auto index = MakeExpression(ExpressionKind::kLiteral, attribute.location);
      index->constant = Value::Integer(attribute.integer);
      access->children.reserve(2);
      access->children.push_back(std::move(node));
      access->children.push_back(std::move(index));
      return access;
    }
    // '['
    ExpressionList arguments(arena_);
    while (!AtOperator(Operator::kRightBracket)) {
      if (!arguments.empty()) ExpectOperator(Operator::kComma);
      arguments.push_back(ParseSubscribed());
    }
    ExpectOperator(Operator::kRightBracket);
    if (arguments.size() == 1 && arguments[0]->kind == ExpressionKind::kSlice) {
      arguments[0]->children[0] = std::move(node);
      return std::move(arguments[0]);
    }
    auto access = MakeExpression(ExpressionKind::kItem, token.location);
    access->children.reserve(2);
    access->children.push_back(std::move(node));
    if (arguments.size() == 1) {
      access->children.push_back(std::move(arguments[0]));
    } else {
      for (const auto& argument : arguments) {
        if (argument->kind == ExpressionKind::kSlice)
          Fail("slices in tuples are not supported", argument->location);
      }
      auto tuple = MakeExpression(ExpressionKind::kTuple, token.location);
      tuple->children = std::move(arguments);
      access->children.push_back(std::move(tuple));
    }
    return access;
  }

  // An index or a slice "start:stop:step" (children[0] reserved for the sliced value).
  ExpressionPtr ParseSubscribed() {
    SourceLocation location = Current().location;
    ExpressionPtr start;
    if (!AtOperator(Operator::kColon)) {
      start = ParseExpression(true);
      if (!AtOperator(Operator::kColon)) return start;
    }
    Next();  // ':'
    auto slice = MakeExpression(ExpressionKind::kSlice, location);
    slice->children.resize(4);
    slice->children[1] = std::move(start);
    if (!AtOperator(Operator::kRightBracket) && !AtOperator(Operator::kComma) &&
        !AtOperator(Operator::kColon))
      slice->children[2] = ParseExpression(true);
    if (SkipOperator(Operator::kColon)) {
      if (!AtOperator(Operator::kRightBracket) && !AtOperator(Operator::kComma))
        slice->children[3] = ParseExpression(true);
    }
    return slice;
  }

  void ParseCallArguments(Expression* node) {
    SourceLocation location = ExpectOperator(Operator::kLeftParenthesis).location;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) Fail("invalid syntax for function call expression", location);
    };
    while (!AtOperator(Operator::kRightParenthesis)) {
      if (require_comma) {
        ExpectOperator(Operator::kComma);
        if (AtOperator(Operator::kRightParenthesis)) break;
      }
      if (AtOperator(Operator::kMultiply)) {
        ensure(!node->star_arguments && !node->double_star_arguments);
        Next();
        node->star_arguments = ParseExpression(true);
      } else if (AtOperator(Operator::kPower)) {
        ensure(!node->double_star_arguments);
        Next();
        node->double_star_arguments = ParseExpression(true);
      } else if (Current().kind == TokenKind::kName && Look().IsOperator(Operator::kAssign)) {
        ensure(!node->double_star_arguments);
        std::string_view key = Keep(Next().text);
        Next();
        node->keywords.emplace_back(key, ParseExpression(true));
      } else {
        ensure(!node->star_arguments && !node->double_star_arguments && node->keywords.empty());
        node->arguments.push_back(ParseExpression(true));
      }
      require_comma = true;
    }
    ExpectOperator(Operator::kRightParenthesis);
  }

  ExpressionPtr ParseCall(ExpressionPtr callee) {
    auto call = MakeExpression(ExpressionKind::kCall, Current().location);
    call->children.push_back(std::move(callee));
    ParseCallArguments(call.get());
    return call;
  }

  // `node` null for {% filter %} blocks and {% set x | f %}.
  ExpressionPtr ParseFilter(ExpressionPtr node, bool start_inline) {
    while (AtOperator(Operator::kPipe) || start_inline) {
      if (!start_inline) Next();
      start_inline = false;
      const Token& token = ExpectName();
      std::string_view name = DottedName(token);
      auto filter = MakeExpression(ExpressionKind::kFilter, token.location);
      filter->name = name;
      FilterFunction function = FindFilter(name);
      if (function == nullptr) {
        throw TemplateError("TemplateAssertionError",
                            "No filter named '" + std::string(name) + "'.", std::string(name_),
                            token.location.line, token.location.column);
      }
      filter->filter = function;
      filter->appender = FindFilterAppender(function);
      filter->children.push_back(std::move(node));
      if (AtOperator(Operator::kLeftParenthesis)) ParseCallArguments(filter.get());
      node = std::move(filter);
    }
    return node;
  }

  // `first` and the ".name" parts after it ("a.b.c"), kept in the arena.
  std::string_view DottedName(const Token& first) {
    if (!AtOperator(Operator::kDot)) return Keep(first.text);
    std::string name(first.text);
    while (AtOperator(Operator::kDot)) {
      Next();
      (name += ".") += ExpectName().text;
    }
    return Keep(name);
  }

  ExpressionPtr ParseTest(ExpressionPtr node) {
    SourceLocation location = Next().location;  // 'is'
    bool negated = SkipName("not");
    const Token& token = ExpectName();
    std::string_view name = DottedName(token);
    auto test = MakeExpression(ExpressionKind::kTest, location);
    test->name = name;
    TestFunction function = FindTest(name);
    if (function == nullptr) {
      throw TemplateError("TemplateAssertionError", "No test named '" + std::string(name) + "'.",
                          std::string(name_), token.location.line, token.location.column);
    }
    test->test = function;
    test->children.push_back(std::move(node));
    const Token& current = Current();
    if (current.IsOperator(Operator::kLeftParenthesis)) {
      ParseCallArguments(test.get());
    } else if ((current.kind == TokenKind::kName || current.kind == TokenKind::kString ||
                current.kind == TokenKind::kInteger || current.kind == TokenKind::kFloat ||
                current.IsOperator(Operator::kLeftParenthesis) ||
                current.IsOperator(Operator::kLeftBracket) ||
                current.IsOperator(Operator::kLeftBrace)) &&
               !current.IsName("else") && !current.IsName("or") && !current.IsName("and")) {
      if (current.IsName("is")) Fail("You cannot chain multiple tests with is");
      test->arguments.push_back(ParsePostfix(ParsePrimary()));
    }
    if (!negated) return test;
    auto inverted = MakeExpression(ExpressionKind::kNot, location);
    inverted->children.push_back(std::move(test));
    return inverted;
  }

  // The current token and the last one (kEnd, where Next stays), in the caller's tokens.
  const Token* current_;
  const Token* last_;
  std::string_view name_;
  NodeArena* arena_;
  std::vector<EndRules> end_token_stack_;
  std::vector<std::string_view> tag_stack_;  // views of the tokens' text
  int loop_depth_ = 0;
  // For statements around the statement being parsed, macro and call bodies not reset (unlike
  // loop_depth_): Jinja2 refuses assigning `loop` anywhere inside a for loop.
  int enclosing_for_loops_ = 0;
  std::vector<Statement*> open_macros_;  // macros and call blocks being parsed, innermost last
  std::pmr::vector<Value*> owned_constants_{arena_};
  std::pmr::vector<Expression*> name_nodes_{arena_};  // every kName node, see MarkContextNames
  std::pmr::vector<Expression*> attribute_nodes_{
      arena_};  // every kAttribute node, in creation order
  // Every name a statement binds: assignment targets (set, for, with), macro names, macro and
  // call-block parameters, and the names the renderer binds itself (loop, caller, ...).
  std::pmr::vector<std::string_view> bound_names_{arena_};
  std::vector<StatementPtr> pending_;  // see Subparse
};

}  // namespace

ParsedTemplate::ParsedTemplate(std::unique_ptr<NodeArena> arena, StatementList body,
                               std::pmr::vector<Value*> owned_constants)
    : arena(std::move(arena)) {
  new (&this->body) StatementList(std::move(body));
  new (&owned_constants_) std::pmr::vector<Value*>(std::move(owned_constants));
}

ParsedTemplate::ParsedTemplate(ParsedTemplate&& other) noexcept : arena(std::move(other.arena)) {
  // Moving a vector keeps its allocator (the arena, which moved along): no copy.
  new (&body) StatementList(std::move(other.body));
  new (&owned_constants_) std::pmr::vector<Value*>(std::move(other.owned_constants_));
}

ParsedTemplate::~ParsedTemplate() {
  for (Value* constant : owned_constants_) *constant = Value();
}

ParsedTemplate Parse(const std::vector<Token>& tokens, std::string_view template_name) {
  // About what the tree of a typical template takes, so that most need one block.
  auto arena = std::make_unique<NodeArena>(tokens.size() * 192 + 512);
  Parser parser(tokens, template_name, arena.get());
  StatementList body = parser.Run();
  std::pmr::vector<Value*> owned_constants = parser.TakeOwnedConstants();
  return ParsedTemplate(std::move(arena), std::move(body), std::move(owned_constants));
}

}  // namespace runhook::templating
