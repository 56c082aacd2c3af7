// runhook's Jinja2 engine: compile a template once, render it many times.
//
// The standard is Python's Jinja2 3.1: the same bytes out, or the same kind of error.
// A Template is immutable after Compile and may be rendered from many threads at once.
// Rendering is sandboxed: no I/O, names starting with '_' are refused, and output size, loop
// iterations and recursion are capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "template/prepared_context.h"

namespace runhook::templating {

enum class UndefinedMode { kDefault, kChainable, kStrict };

// A compile or render error. `type` is the name Jinja2's exception class would have
// ("TemplateSyntaxError", "UndefinedError", "TypeError", "ZeroDivisionError", "SecurityError",
// ...). what() reads like "unexpected '}' at line 1, column 17: expected an expression".
class TemplateError : public std::runtime_error {
 public:
  TemplateError(std::string type, std::string message, std::string template_name, int line,
                int column);
  // A message in two parts: what() reads "head at line L, column C: detail" and message() reads
  // "head: detail". Used for syntax errors ("unexpected '}'", "expected an expression").
  TemplateError(std::string type, std::string head, std::string detail, std::string template_name,
                int line, int column);
  const std::string& type() const { return type_; }
  const std::string& message() const { return message_; }  // without the location
  const std::string& template_name() const { return template_name_; }
  int line() const { return line_; }      // 1-based; 0 when unknown
  int column() const { return column_; }  // 1-based; 0 when unknown

 private:
  std::string type_, message_, template_name_;
  int line_, column_;
};

// Caps that keep a render bounded. Exceeding one raises TemplateError of type "SecurityError"
// (or "OverflowError" for range(), as Jinja2's sandbox does).
struct RenderLimits {
  size_t max_output_bytes = 4 << 20;       // rendered text, including captured blocks
  size_t max_loop_iterations = 1'000'000;  // total for one render, over all loops
  int max_recursion_depth = 64;            // nested macro/caller calls and recursive loops
  size_t max_range_length = 100'000;       // items one range() may produce (Jinja2's MAX_RANGE)
  size_t max_string_bytes = 1 << 20;       // one string or list built by '*', '~', '+', filters
  int64_t max_power_exponent = 10'000;     // |b| in a ** b
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

// Jinja2 Environment options that change how the source is read. Defaults are Jinja2's.
struct CompileOptions {
  bool trim_blocks = false;            // drop the first newline after a block tag
  bool lstrip_blocks = false;          // strip spaces and tabs before a block tag on its line
  bool keep_trailing_newline = false;  // keep a single newline at the end of the source
};

class Template {
 public:
  // Throws TemplateError (type "TemplateSyntaxError", or "TemplateAssertionError" for an unknown
  // filter or test) with line and column.
  static Template Compile(std::string_view source, std::string_view name = "<template>");
  static Template Compile(std::string_view source, std::string_view name,
                          const CompileOptions& options);

  // Renders with `context` as the top-level variables (a JSON object). Throws TemplateError.
  RenderResult Render(const Json& context, UndefinedMode mode = UndefinedMode::kDefault) const;
  RenderResult Render(const Json& context, UndefinedMode mode, const RenderLimits& limits) const;
  // The same output, errors and undefined names as Render(context.json(), ...), faster when one
  // context serves many renders (see prepared_context.h). `context` may be shared with other
  // threads rendering at the same time.
  RenderResult Render(const PreparedContext& context,
                      UndefinedMode mode = UndefinedMode::kDefault) const;
  RenderResult Render(const PreparedContext& context, UndefinedMode mode,
                      const RenderLimits& limits) const;
  // With `overlay`, a JSON object (or null) whose top-level names shadow those of `context`: the
  // same as rendering a copy of context.json() with each of the overlay's entries assigned to
  // it, without the copy (e.g. one prepared event context, and per hook {"hook": {"name": ..}}).
  // An overlay that is neither object nor null raises TemplateError "TypeError".
  RenderResult Render(const PreparedContext& context, const Json& overlay, UndefinedMode mode,
                      const RenderLimits& limits = RenderLimits{}) const;

  const std::string& name() const;

 private:
  explicit Template(std::shared_ptr<const detail::CompiledTemplate> compiled);
  std::shared_ptr<const detail::CompiledTemplate> compiled_;  // shared: copies are cheap
};

}  // namespace runhook::templating
