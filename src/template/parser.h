// Builds the syntax tree from tokens, following Jinja2's grammar and operator precedence
// (including its quirks: '**' is left-associative and binds looser than unary minus, so
// -2 ** 2 == 4; filters bind tighter than unary minus: -1|abs == 1).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "template/arena.h"
#include "template/node.h"
#include "template/token.h"

namespace runhook::templating {

// The tree and the arena its nodes, vectors and text live in (see node.h). Movable, not
// copyable; `arena` is declared first so that the nodes are destroyed before it.
struct ParsedTemplate {
  std::unique_ptr<NodeArena> arena;
  StatementList body;
};

// Throws TemplateError: "TemplateSyntaxError" for grammar errors, "TemplateAssertionError" for
// an unknown filter or test (as Jinja2 does at compile time).
ParsedTemplate Parse(const std::vector<Token>& tokens, std::string_view template_name);

}  // namespace runhook::templating
