// Splits template source into tokens, as Jinja2's lexer does: newlines normalised to "\n", one
// trailing newline dropped (unless keep_trailing_newline), comments dropped, {% raw %} bodies
// passed as data, and whitespace control ({%- -%}, {{- -}}, {#- -#}, trim_blocks,
// lstrip_blocks, {%+ and +%}) applied to the neighbouring data.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "template/token.h"

namespace runhook::templating {

struct LexerOptions {
  bool trim_blocks = false;
  bool lstrip_blocks = false;
  bool keep_trailing_newline = false;
};

// What the tokens' text views besides the caller's source: the source with its newlines
// normalised (only when normalising changed it) and string literals with escapes resolved.
struct TokenStorage {
  std::string normalized_source;
  std::vector<std::unique_ptr<std::string>> strings;  // unique_ptr: views stay valid on growth
};

// Returns the tokens, ending with one kEnd token. Their text views `source` and `*storage`, which
// must both outlive them. Throws TemplateError ("TemplateSyntaxError") at the offending position
// for an unknown character, an unterminated string, comment or raw block, or an unbalanced
// bracket.
std::vector<Token> Tokenize(std::string_view source, std::string_view template_name,
                            const LexerOptions& options, TokenStorage* storage);

}  // namespace runhook::templating
