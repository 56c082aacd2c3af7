// The tokens the lexer produces and the parser consumes.
#pragma once

#include <cstdint>
#include <string>

#include "template/errors.h"

namespace runhook::templating {

enum class TokenKind {
  kData,           // template text outside tags (also the body of {% raw %})
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,           // identifier or keyword
  kString,         // string literal; `text` holds the unescaped value
  kInteger,        // `integer` holds the value
  kFloat,          // `floating` holds the value
  kOperator,       // + - * / // % ** ~ ( ) [ ] { } == != < <= > >= = . : | , ;
  kEnd,            // end of template
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // data, name, unescaped string, operator spelling
  int64_t integer = 0;
  double floating = 0;
  SourceLocation location;

  bool IsOperator(const char* spelling) const {
    return kind == TokenKind::kOperator && text == spelling;
  }
  bool IsName(const char* name) const { return kind == TokenKind::kName && text == name; }
};

// How Jinja2 names a token in "unexpected ..." messages: "end of print statement", "'}'", ...
std::string DescribeToken(const Token& token);

}  // namespace runhook::templating
