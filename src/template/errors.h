// Helpers to raise TemplateError with a source location. The class itself is declared in
// template.h; this header adds the location type used across the engine.
#pragma once

#include <string>

#include "template/template.h"

namespace runhook::templating {

// A 1-based position in the template source; {0, 0} when unknown.
struct SourceLocation {
  int line = 0;
  int column = 0;
};

// A render-time error that does not know its location yet. The renderer catches it and rethrows
// it as a TemplateError at the location of the node being evaluated.
struct EvalError {
  std::string type;     // Jinja2's / Python's exception class name: "TypeError", ...
  std::string message;  // Python's message text
};

[[noreturn]] inline void ThrowEval(std::string type, std::string message) {
  throw EvalError{std::move(type), std::move(message)};
}

}  // namespace runhook::templating
