// The tokens the lexer produces and the parser consumes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "template/errors.h"

namespace runhook::templating {

enum class TokenKind : uint8_t {
  kData,           // template text outside tags (also the body of {% raw %})
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,           // identifier or keyword
  kString,         // string literal; `text` holds the unescaped value
  kInteger,        // `integer` holds the value
  kFloat,          // `floating` holds the value
  kOperator,       // `op` says which; `text` is its spelling
  kEnd,            // end of template
};

// The operators, so that the parser compares one byte instead of a spelling.
enum class Operator : uint8_t {
  kNone,              // not an operator token
  kAdd,               // +
  kSubtract,          // -
  kDivide,            // /
  kFloorDivide,       // //
  kMultiply,          // *
  kPower,             // **
  kModulo,            // %
  kTilde,             // ~
  kLeftBracket,       // [
  kRightBracket,      // ]
  kLeftParenthesis,   // (
  kRightParenthesis,  // )
  kLeftBrace,         // {
  kRightBrace,        // }
  kEqual,             // ==
  kNotEqual,          // !=
  kLess,              // <
  kLessEqual,         // <=
  kGreater,           // >
  kGreaterEqual,      // >=
  kAssign,            // =
  kDot,               // .
  kColon,             // :
  kPipe,              // |
  kComma,             // ,
  kSemicolon,         // ;
};

// The spelling of `op` ("" for kNone).
std::string_view OperatorSpelling(Operator op);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Operator op = Operator::kNone;  // kOperator: which one
  SourceLocation location;
  // Data, name, unescaped string, operator spelling: a view into the source or the TokenStorage
  // the lexer filled (see lexer.h), valid while they live.
  std::string_view text;
  union {
    int64_t integer = 0;  // kInteger
    double floating;      // kFloat
  };

  bool IsOperator(Operator which) const { return op == which; }
  bool IsName(std::string_view name) const { return kind == TokenKind::kName && SameText(name); }

 private:
  // text == other, inlined: the other side is a short literal, so no library memcmp call.
  bool SameText(std::string_view other) const {
    if (text.size() != other.size()) return false;
    for (size_t i = 0; i < other.size(); ++i) {
      if (text[i] != other[i]) return false;
    }
    return true;
  }
};

// How Jinja2 names a token in "unexpected ..." messages: "end of print statement", "'}'", ...
std::string DescribeToken(const Token& token);

}  // namespace runhook::templating
