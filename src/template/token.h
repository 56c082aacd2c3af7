// The tokens the lexer produces and the parser consumes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
  // Data, name, unescaped string, operator spelling: a view into the TokenStorage the lexer
  // filled (see lexer.h), valid while it lives.
  std::string_view text;
  int64_t integer = 0;
  double floating = 0;
  SourceLocation location;

  bool IsOperator(std::string_view spelling) const {
    return kind == TokenKind::kOperator && SameText(spelling);
  }
  bool IsName(std::string_view name) const { return kind == TokenKind::kName && SameText(name); }

 private:
  // text == other, inlined: the parser asks this for every token at every precedence level, and
  // the other side is a short literal, so no library memcmp call.
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
