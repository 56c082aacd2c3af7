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
// copyable.
//
// Freeing is cheap: the nodes' destructors are not run (their memory goes with the arena's few
// blocks). The only resources nodes own outside the arena are the Value constants of string
// literals and of an inline `if` without `else`; the parser lists those (`owned_constants`) and
// the destructor releases just them. A parser that gives nodes other owned resources must list
// them too.
struct ParsedTemplate {
  // REQUIRES: `body`'s nodes live in `*arena`; `owned_constants` points into them.
  ParsedTemplate(std::unique_ptr<NodeArena> arena, StatementList body,
                 std::pmr::vector<Value*> owned_constants);
  ParsedTemplate(ParsedTemplate&& other) noexcept;
  ParsedTemplate& operator=(ParsedTemplate&&) = delete;
  ~ParsedTemplate();

  std::unique_ptr<NodeArena> arena;  // declared first: the nodes are released before it
  union {                            // never destroyed as a whole: see above
    StatementList body;
  };

 private:
  union {
    std::pmr::vector<Value*> owned_constants_;  // in the arena
  };
};

// Throws TemplateError: "TemplateSyntaxError" for grammar errors, "TemplateAssertionError" for
// an unknown filter or test (as Jinja2 does at compile time). Marks the name nodes no statement
// binds (Expression::context_name) once the whole template is parsed.
ParsedTemplate Parse(const std::vector<Token>& tokens, std::string_view template_name);

}  // namespace runhook::templating
