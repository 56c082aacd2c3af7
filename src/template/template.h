// runhook's Jinja2 engine: compile a template once, render it many times.
//
// The standard is Python's Jinja2 3.1: the same bytes out, or the same kind of error.
// A Template is immutable after Compile and may be rendered from many threads at once.
// Rendering is sandboxed: no I/O, names starting with '_' are refused, and output size, loop
// iterations and recursion are capped.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace runhook::templating {

enum class UndefinedMode { kDefault, kChainable, kStrict };

// A compile or render error. `type` is the name Jinja2's exception class would have
// ("TemplateSyntaxError", "UndefinedError", "TypeError", "ZeroDivisionError", "SecurityError",
// ...). what() reads like "unexpected '}' at line 1, column 17: expected an expression".
class TemplateError : public std::runtime_error {
 public:
  TemplateError(std::string type, std::string message, std::string template_name, int line,
                int column);
  const std::string& type() const { return type_; }
  const std::string& message() const { return message_; }  // without the location
  const std::string& template_name() const { return template_name_; }
  int line() const { return line_; }      // 1-based; 0 when unknown
  int column() const { return column_; }  // 1-based; 0 when unknown

 private:
  std::string type_, message_, template_name_;
  int line_, column_;
};

struct RenderResult {
  std::string output;
  // Dotted names that evaluated to undefined while rendering, in first-seen order, e.g.
  // "run.summary.accuracy". Empty when everything was defined.
  std::vector<std::string> undefined_names;
};

namespace detail {
struct CompiledTemplate;
}

class Template {
 public:
  // Throws TemplateError (type "TemplateSyntaxError") with line and column.
  static Template Compile(std::string_view source, std::string_view name = "<template>");

  // Renders with `context` as the top-level variables (a JSON object). Throws TemplateError.
  RenderResult Render(const Json& context, UndefinedMode mode = UndefinedMode::kDefault) const;

  const std::string& name() const;

 private:
  explicit Template(std::shared_ptr<const detail::CompiledTemplate> compiled);
  std::shared_ptr<const detail::CompiledTemplate> compiled_;  // shared: copies are cheap
};

}  // namespace runhook::templating
