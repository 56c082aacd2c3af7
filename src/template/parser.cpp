// Recursive-descent parser mirroring jinja2/parser.py. See parser.h.
#include "template/parser.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <new>
#include <set>

#include "template/callables.h"
#include "template/filters.h"
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

class Parser {
 public:
  // REQUIRES: `arena` outlives the nodes this parser builds.
  Parser(const std::vector<Token>& tokens, std::string_view name, NodeArena* arena)
      : tokens_(tokens), name_(name), arena_(arena) {}

  StatementList Run() { return Subparse(nullptr); }

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

  const Token& Current() const { return tokens_[position_]; }
  const Token& Look() const {
    return tokens_[position_ + 1 < tokens_.size() ? position_ + 1 : position_];
  }
  const Token& Next() {
    const Token& token = tokens_[position_];
    if (position_ + 1 < tokens_.size()) ++position_;
    return token;
  }
  bool AtOperator(std::string_view spelling) const { return Current().IsOperator(spelling); }
  bool AtName(std::string_view name) const { return Current().IsName(name); }
  bool SkipOperator(std::string_view spelling) {
    if (!AtOperator(spelling)) return false;
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
  const Token& ExpectOperator(std::string_view spelling) {
    if (!AtOperator(spelling)) ExpectFailure(spelling);
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
      if (Current().kind == TokenKind::kName && Current().text == rule) return true;
    }
    return false;
  }

  // ---- statements --------------------------------------------------------------------------

  StatementList Subparse(const EndRules* end_rules) {
    StatementList body(arena_);
    while (Current().kind != TokenKind::kEnd) {
      const Token& token = Current();
      if (token.kind == TokenKind::kData) {
        auto statement = MakeStatement(StatementKind::kData, token.location);
        statement->text = Keep(token.text);
        body.push_back(std::move(statement));
        Next();
      } else if (token.kind == TokenKind::kVariableBegin) {
        Next();
        auto statement = MakeStatement(StatementKind::kPrint, token.location);
        statement->expression = ParseTuple(false, true, nullptr, false);
        ExpectKind(TokenKind::kVariableEnd);
        body.push_back(std::move(statement));
      } else if (token.kind == TokenKind::kBlockBegin) {
        Next();
        if (TestAny(end_rules)) return body;
        ParseStatement(&body);
        ExpectKind(TokenKind::kBlockEnd);
      } else {
        Fail("unexpected '" + DescribeToken(token) + "'");
      }
    }
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
      *message += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    }
  }

  // Parses a block body up to one of `end_rules`; leaves the end tag's name current unless
  // `drop_needle`, in which case it is consumed.
  StatementList ParseStatements(EndRules end_rules, bool drop_needle) {
    SkipOperator(":");
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

  void ParseStatement(StatementList* body) {
    const Token& token = Current();
    if (token.kind != TokenKind::kName) Fail("tag name expected");
    std::string tag(token.text);
    tag_stack_.push_back(tag);
    if (tag == "for") {
      body->push_back(ParseFor());
    } else if (tag == "if") {
      body->push_back(ParseIf());
    } else if (tag == "set") {
      body->push_back(ParseSet());
    } else if (tag == "macro") {
      body->push_back(ParseMacro());
    } else if (tag == "call") {
      body->push_back(ParseCallBlock());
    } else if (tag == "filter") {
      body->push_back(ParseFilterBlock());
    } else if (tag == "with") {
      body->push_back(ParseWith());
    } else if (tag == "block") {
      body->push_back(ParseBlock());
    } else if (tag == "print") {
      SourceLocation location = Next().location;
      auto statement = MakeStatement(StatementKind::kPrint, location);
      statement->expression = ParseTuple(false, true, nullptr, false);
      body->push_back(std::move(statement));
    } else if (tag == "break" || tag == "continue") {
      SourceLocation location = Next().location;
      if (loop_depth_ == 0) Fail("'" + tag + "' outside loop", location);
      body->push_back(MakeStatement(
          tag == "break" ? StatementKind::kBreak : StatementKind::kContinue, location));
    } else if (tag == "extends" || tag == "include" || tag == "import" || tag == "from" ||
               tag == "autoescape") {
      Fail("the '" + tag + "' tag is not supported: runhook templates load no other templates");
    } else {
      tag_stack_.pop_back();
      FailUnknownTag(tag, token.location);
    }
    tag_stack_.pop_back();
  }

  StatementPtr ParseFor() {
    SourceLocation location = ExpectKeyword("for").location;
    auto statement = MakeStatement(StatementKind::kFor, location);
    EndRules in_rule = {"in"};
    statement->target = ParseAssignTarget(true, false, &in_rule, false);
    ExpectKeyword("in");
    EndRules recursive_rule = {"recursive"};
    statement->expression = ParseTuple(false, false, &recursive_rule, false);
    if (SkipName("if")) statement->condition = ParseExpression(true);
    statement->recursive = SkipName("recursive");
    ++loop_depth_;
    statement->bodies.push_back(ParseStatements({"endfor", "else"}, false));
    --loop_depth_;
    if (Next().text == "endfor") {
      statement->bodies.emplace_back();
    } else {
      statement->bodies.push_back(ParseStatements({"endfor"}, true));
    }
    return statement;
  }

  StatementPtr ParseIf() {
    SourceLocation location = ExpectKeyword("if").location;
    auto statement = MakeStatement(StatementKind::kIf, location);
    while (true) {
      statement->conditions.push_back(ParseTuple(false, false, nullptr, false));
      statement->bodies.push_back(ParseStatements({"elif", "else", "endif"}, false));
      const Token& token = Next();
      if (token.text == "elif") continue;
      if (token.text == "else") statement->bodies.push_back(ParseStatements({"endif"}, true));
      break;
    }
    return statement;
  }

  StatementPtr ParseSet() {
    SourceLocation location = ExpectKeyword("set").location;
    ExpressionPtr target = ParseAssignTarget(true, false, nullptr, true);
    if (SkipOperator("=")) {
      auto statement = MakeStatement(StatementKind::kSet, location);
      statement->target = std::move(target);
      statement->expression = ParseTuple(false, true, nullptr, false);
      return statement;
    }
    auto statement = MakeStatement(StatementKind::kSetBlock, location);
    statement->target = std::move(target);
    if (AtOperator("|")) statement->expression = ParseFilter(nullptr, false);
    statement->bodies.push_back(ParseStatements({"endset"}, true));
    return statement;
  }

  void ParseSignature(Statement* statement) {
    ExpectOperator("(");
    bool any_default = false;
    while (!AtOperator(")")) {
      if (!statement->parameters.empty()) ExpectOperator(",");
      const Token& name = ExpectName();
      CheckAssignableName(name);
      statement->parameters.push_back(Keep(name.text));
      if (SkipOperator("=")) {
        statement->defaults.push_back(ParseExpression(true));
        any_default = true;
      } else if (any_default) {
        Fail("non-default argument follows default argument");
      } else {
        statement->defaults.push_back(nullptr);
      }
    }
    ExpectOperator(")");
  }

  StatementPtr ParseMacro() {
    SourceLocation location = ExpectKeyword("macro").location;
    auto statement = MakeStatement(StatementKind::kMacro, location);
    const Token& name = ExpectName();
    CheckAssignableName(name);
    statement->text = Keep(name.text);
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
    if (AtOperator("(")) ParseSignature(statement.get());
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
      if (!statement->targets.empty()) ExpectOperator(",");
      statement->targets.push_back(ParseAssignTarget(true, false, nullptr, false));
      ExpectOperator("=");
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
    static const std::set<std::string, std::less<>> kReserved = {"true", "false", "none",
                                                                 "True", "False", "None"};
    if (kReserved.count(name.text) != 0) Fail("can't assign to 'const'", name.location);
  }

  // ---- expressions -------------------------------------------------------------------------

  ExpressionPtr ParseAssignTarget(bool with_tuple, bool name_only, const EndRules* extra_end_rules,
                                  bool with_namespace) {
    if (with_namespace && Look().IsOperator(".") && Current().kind == TokenKind::kName) {
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
      if (target.name == "true" || target.name == "false" || target.name == "none" ||
          target.name == "True" || target.name == "False" || target.name == "None") {
        Fail("can't assign to 'const'", target.location);
      }
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

  ExpressionPtr ParseOr() {
    SourceLocation location = Current().location;
    ExpressionPtr left = ParseAnd();
    while (SkipName("or"))
      left = Binary(ExpressionKind::kOr, location, std::move(left), ParseAnd());
    return left;
  }

  ExpressionPtr ParseAnd() {
    SourceLocation location = Current().location;
    ExpressionPtr left = ParseNot();
    while (SkipName("and"))
      left = Binary(ExpressionKind::kAnd, location, std::move(left), ParseNot());
    return left;
  }

  ExpressionPtr ParseNot() {
    if (AtName("not")) {
      SourceLocation location = Next().location;
      auto node = MakeExpression(ExpressionKind::kNot, location);
      node->children.push_back(ParseNot());
      return node;
    }
    return ParseCompare();
  }

  ExpressionPtr ParseCompare() {
    SourceLocation location = Current().location;
    ExpressionPtr expression = ParseMath1();
    ExpressionPtr compare;
    while (true) {
      CompareOperator op;
      const Token& token = Current();
      if (token.IsOperator("==")) {
        op = CompareOperator::kEqual;
      } else if (token.IsOperator("!=")) {
        op = CompareOperator::kNotEqual;
      } else if (token.IsOperator("<")) {
        op = CompareOperator::kLess;
      } else if (token.IsOperator("<=")) {
        op = CompareOperator::kLessEqual;
      } else if (token.IsOperator(">")) {
        op = CompareOperator::kGreater;
      } else if (token.IsOperator(">=")) {
        op = CompareOperator::kGreaterEqual;
      } else if (token.IsName("in")) {
        op = CompareOperator::kIn;
      } else if (token.IsName("not") && Look().IsName("in")) {
        Next();
        op = CompareOperator::kNotIn;
      } else {
        break;
      }
      Next();
      if (!compare) {
        compare = MakeExpression(ExpressionKind::kCompare, location);
        compare->children.push_back(std::move(expression));
      }
      compare->compare_operators.push_back(op);
      compare->children.push_back(ParseMath1());
    }
    return compare ? std::move(compare) : std::move(expression);
  }

  ExpressionPtr MakeBinary(BinaryOperator op, SourceLocation location, ExpressionPtr left,
                           ExpressionPtr right) {
    auto node = Binary(ExpressionKind::kBinary, location, std::move(left), std::move(right));
    node->binary_operator = op;
    return node;
  }

  ExpressionPtr ParseMath1() {
    SourceLocation location = Current().location;
    ExpressionPtr left = ParseConcat();
    while (AtOperator("+") || AtOperator("-")) {
      BinaryOperator op = Next().text == "+" ? BinaryOperator::kAdd : BinaryOperator::kSubtract;
      left = MakeBinary(op, location, std::move(left), ParseConcat());
    }
    return left;
  }

  ExpressionPtr ParseConcat() {
    SourceLocation location = Current().location;
    ExpressionPtr first = ParseMath2();
    if (!AtOperator("~")) return first;
    auto concat = MakeExpression(ExpressionKind::kConcat, location);
    concat->children.push_back(std::move(first));
    while (SkipOperator("~")) concat->children.push_back(ParseMath2());
    return concat;
  }

  ExpressionPtr ParseMath2() {
    SourceLocation location = Current().location;
    ExpressionPtr left = ParsePow();
    while (true) {
      BinaryOperator op;
      if (AtOperator("*")) {
        op = BinaryOperator::kMultiply;
      } else if (AtOperator("/")) {
        op = BinaryOperator::kDivide;
      } else if (AtOperator("//")) {
        op = BinaryOperator::kFloorDivide;
      } else if (AtOperator("%")) {
        op = BinaryOperator::kModulo;
      } else {
        break;
      }
      Next();
      left = MakeBinary(op, location, std::move(left), ParsePow());
    }
    return left;
  }

  ExpressionPtr ParsePow() {
    SourceLocation location = Current().location;
    ExpressionPtr left = ParseUnary(true);
    while (SkipOperator("**")) {
      left = MakeBinary(BinaryOperator::kPower, location, std::move(left), ParseUnary(true));
    }
    return left;
  }

  ExpressionPtr ParseUnary(bool with_filter) {
    SourceLocation location = Current().location;
    ExpressionPtr node;
    if (AtOperator("-") || AtOperator("+")) {
      bool negate = Next().text == "-";
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
      if (token.text == "true" || token.text == "True") {
        node->constant = Value::Boolean(true);
      } else if (token.text == "false" || token.text == "False") {
        node->constant = Value::Boolean(false);
      } else if (token.text == "none" || token.text == "None") {
        node->constant = Value::None();
      } else {
        node->kind = ExpressionKind::kName;
        node->name = Keep(token.text);
        if (!open_macros_.empty()) {
          Statement* macro = open_macros_.back();
          if (token.text == "caller") macro->uses_caller = true;
          if (token.text == "varargs") macro->uses_varargs = true;
          if (token.text == "kwargs") macro->uses_kwargs = true;
        }
      }
      return node;
    }
    if (token.kind == TokenKind::kString) {
      std::string text;
      while (Current().kind == TokenKind::kString) text += Next().text;
      auto node = MakeExpression(ExpressionKind::kLiteral, location);
      node->constant = Value::String(std::move(text));
      return node;
    }
    if (token.kind == TokenKind::kInteger || token.kind == TokenKind::kFloat) {
      Next();
      auto node = MakeExpression(ExpressionKind::kLiteral, location);
      node->constant = token.kind == TokenKind::kInteger ? Value::Integer(token.integer)
                                                         : Value::Float(token.floating);
      return node;
    }
    if (token.IsOperator("(")) {
      Next();
      ExpressionPtr node = ParseTuple(false, true, nullptr, true);
      ExpectOperator(")");
      return node;
    }
    if (token.IsOperator("[")) return ParseList();
    if (token.IsOperator("{")) return ParseDict();
    if (token.kind == TokenKind::kVariableEnd || token.kind == TokenKind::kBlockEnd ||
        token.kind == TokenKind::kEnd) {
      Fail("Expected an expression, got '" + DescribeToken(token) + "'");
    }
    Fail("unexpected '" + DescribeToken(token) + "'");
  }

  bool IsTupleEnd(const EndRules* extra_end_rules) const {
    const Token& token = Current();
    if (token.kind == TokenKind::kVariableEnd || token.kind == TokenKind::kBlockEnd ||
        token.IsOperator(")")) {
      return true;
    }
    return TestAny(extra_end_rules);
  }

  ExpressionPtr ParseTuple(bool simplified, bool with_condition, const EndRules* extra_end_rules,
                           bool explicit_parentheses) {
    SourceLocation location = Current().location;
    ExpressionList items(arena_);
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) ExpectOperator(",");
      if (IsTupleEnd(extra_end_rules)) break;
      items.push_back(simplified ? ParsePrimary() : ParseExpression(with_condition));
      if (AtOperator(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parentheses) {
        Fail("Expected an expression, got '" + DescribeToken(Current()) + "'");
      }
    }
    auto tuple = MakeExpression(ExpressionKind::kTuple, location);
    tuple->children = std::move(items);
    return tuple;
  }

  ExpressionPtr ParseList() {
    SourceLocation location = ExpectOperator("[").location;
    auto list = MakeExpression(ExpressionKind::kList, location);
    while (!AtOperator("]")) {
      if (!list->children.empty()) ExpectOperator(",");
      if (AtOperator("]")) break;
      list->children.push_back(ParseExpression(true));
    }
    ExpectOperator("]");
    return list;
  }

  ExpressionPtr ParseDict() {
    SourceLocation location = ExpectOperator("{").location;
    auto dict = MakeExpression(ExpressionKind::kDict, location);
    while (!AtOperator("}")) {
      if (!dict->children.empty()) ExpectOperator(",");
      if (AtOperator("}")) break;
      dict->children.push_back(ParseExpression(true));
      ExpectOperator(":");
      dict->children.push_back(ParseExpression(true));
    }
    ExpectOperator("}");
    return dict;
  }

  ExpressionPtr ParsePostfix(ExpressionPtr node) {
    while (true) {
      if (AtOperator(".") || AtOperator("[")) {
        node = ParseSubscript(std::move(node));
      } else if (AtOperator("(")) {
        node = ParseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExpressionPtr ParseFilterExpression(ExpressionPtr node) {
    while (true) {
      if (AtOperator("|")) {
        node = ParseFilter(std::move(node), false);
      } else if (AtName("is")) {
        node = ParseTest(std::move(node));
      } else if (AtOperator("(")) {
        node = ParseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExpressionPtr ParseSubscript(ExpressionPtr node) {
    const Token& token = Next();
    if (token.IsOperator(".")) {
      const Token& attribute = Next();
      if (attribute.kind == TokenKind::kName) {
        auto access = MakeExpression(ExpressionKind::kAttribute, token.location);
        access->name = Keep(attribute.text);
        access->may_be_method = MayBeMethodName(access->name);
        access->children.push_back(std::move(node));
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
    while (!AtOperator("]")) {
      if (!arguments.empty()) ExpectOperator(",");
      arguments.push_back(ParseSubscribed());
    }
    ExpectOperator("]");
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
    if (!AtOperator(":")) {
      start = ParseExpression(true);
      if (!AtOperator(":")) return start;
    }
    Next();  // ':'
    auto slice = MakeExpression(ExpressionKind::kSlice, location);
    slice->children.resize(4);
    slice->children[1] = std::move(start);
    if (!AtOperator("]") && !AtOperator(",") && !AtOperator(":"))
      slice->children[2] = ParseExpression(true);
    if (SkipOperator(":")) {
      if (!AtOperator("]") && !AtOperator(",")) slice->children[3] = ParseExpression(true);
    }
    return slice;
  }

  void ParseCallArguments(Expression* node) {
    SourceLocation location = ExpectOperator("(").location;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) Fail("invalid syntax for function call expression", location);
    };
    while (!AtOperator(")")) {
      if (require_comma) {
        ExpectOperator(",");
        if (AtOperator(")")) break;
      }
      if (AtOperator("*")) {
        ensure(!node->star_arguments && !node->double_star_arguments);
        Next();
        node->star_arguments = ParseExpression(true);
      } else if (AtOperator("**")) {
        ensure(!node->double_star_arguments);
        Next();
        node->double_star_arguments = ParseExpression(true);
      } else if (Current().kind == TokenKind::kName && Look().IsOperator("=")) {
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
    ExpectOperator(")");
  }

  ExpressionPtr ParseCall(ExpressionPtr callee) {
    auto call = MakeExpression(ExpressionKind::kCall, Current().location);
    call->children.push_back(std::move(callee));
    ParseCallArguments(call.get());
    return call;
  }

  // `node` null for {% filter %} blocks and {% set x | f %}.
  ExpressionPtr ParseFilter(ExpressionPtr node, bool start_inline) {
    while (AtOperator("|") || start_inline) {
      if (!start_inline) Next();
      start_inline = false;
      const Token& token = ExpectName();
      std::string name(token.text);
      while (AtOperator(".")) {
        Next();
        (name += ".") += ExpectName().text;
      }
      auto filter = MakeExpression(ExpressionKind::kFilter, token.location);
      filter->name = Keep(name);
      FilterFunction function = FindFilter(name);
      if (function == nullptr) {
        throw TemplateError("TemplateAssertionError", "No filter named '" + name + "'.",
                            std::string(name_), token.location.line, token.location.column);
      }
      filter->filter = function;
      filter->children.push_back(std::move(node));
      if (AtOperator("(")) ParseCallArguments(filter.get());
      node = std::move(filter);
    }
    return node;
  }

  ExpressionPtr ParseTest(ExpressionPtr node) {
    SourceLocation location = Next().location;  // 'is'
    bool negated = SkipName("not");
    const Token& token = ExpectName();
    std::string name(token.text);
    while (AtOperator(".")) {
      Next();
      (name += ".") += ExpectName().text;
    }
    auto test = MakeExpression(ExpressionKind::kTest, location);
    test->name = Keep(name);
    TestFunction function = FindTest(name);
    if (function == nullptr) {
      throw TemplateError("TemplateAssertionError", "No test named '" + name + "'.",
                          std::string(name_), token.location.line, token.location.column);
    }
    test->test = function;
    test->children.push_back(std::move(node));
    const Token& current = Current();
    if (current.IsOperator("(")) {
      ParseCallArguments(test.get());
    } else if ((current.kind == TokenKind::kName || current.kind == TokenKind::kString ||
                current.kind == TokenKind::kInteger || current.kind == TokenKind::kFloat ||
                current.IsOperator("(") || current.IsOperator("[") || current.IsOperator("{")) &&
               !current.IsName("else") && !current.IsName("or") && !current.IsName("and")) {
      if (current.IsName("is")) Fail("You cannot chain multiple tests with is");
      test->arguments.push_back(ParsePostfix(ParsePrimary()));
    }
    if (!negated) return test;
    auto inverted = MakeExpression(ExpressionKind::kNot, location);
    inverted->children.push_back(std::move(test));
    return inverted;
  }

  const std::vector<Token>& tokens_;
  std::string_view name_;
  NodeArena* arena_;
  size_t position_ = 0;
  std::vector<EndRules> end_token_stack_;
  std::vector<std::string> tag_stack_;
  int loop_depth_ = 0;
  std::vector<Statement*> open_macros_;  // macros and call blocks being parsed, innermost last
};

}  // namespace

ParsedTemplate Parse(const std::vector<Token>& tokens, std::string_view template_name) {
  ParsedTemplate parsed;
  // About what the tree of a typical template takes, so that most need one block.
  parsed.arena = std::make_unique<NodeArena>(tokens.size() * 192 + 512);
  parsed.body = Parser(tokens, template_name, parsed.arena.get()).Run();
  return parsed;
}

}  // namespace runhook::templating
