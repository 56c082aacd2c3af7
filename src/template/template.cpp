// The front door: Compile (lex + parse) and Render. See template.h.
#include "template/template.h"

#include "template/compiled_template.h"
#include "template/lexer.h"
#include "template/renderer.h"

namespace runhook::templating {
namespace {

// The bytes of text in `body` and everything nested in it.
size_t TextBytes(const StatementList& body) {
  size_t bytes = 0;
  for (const StatementPtr& statement : body) {
    if (statement->kind == StatementKind::kData) bytes += statement->text.size();
    for (const StatementList& nested : statement->bodies) bytes += TextBytes(nested);
  }
  return bytes;
}

}  // namespace

Template::Template(std::shared_ptr<const detail::CompiledTemplate> compiled)
    : compiled_(std::move(compiled)) {}

Template Template::Compile(std::string_view source, std::string_view name) {
  return Compile(source, name, CompileOptions{});
}

Template Template::Compile(std::string_view source, std::string_view name,
                           const CompileOptions& options) {
  LexerOptions lexer_options;
  lexer_options.trim_blocks = options.trim_blocks;
  lexer_options.lstrip_blocks = options.lstrip_blocks;
  lexer_options.keep_trailing_newline = options.keep_trailing_newline;
  TokenStorage storage;
  std::vector<Token> tokens = Tokenize(source, name, lexer_options, &storage);
  // Built in place: moving a ParsedTemplate into an existing one would copy its body out of the
  // arena.
  auto compiled = std::make_shared<detail::CompiledTemplate>(
      detail::CompiledTemplate{std::string(name), Parse(tokens, name), 0, {}});
  compiled->output_size_hint = TextBytes(compiled->parsed.body) + 64;
  return Template(std::move(compiled));
}

RenderResult Template::Render(const Json& context, UndefinedMode mode) const {
  return Render(context, mode, RenderLimits{});
}

RenderResult Template::Render(const Json& context, UndefinedMode mode,
                              const RenderLimits& limits) const {
  Renderer renderer(*compiled_, context, mode, limits);
  return renderer.Run();
}

RenderResult Template::Render(const PreparedContext& context, UndefinedMode mode) const {
  return Render(context, mode, RenderLimits{});
}

RenderResult Template::Render(const PreparedContext& context, UndefinedMode mode,
                              const RenderLimits& limits) const {
  Renderer renderer(*compiled_, context.index(), nullptr, mode, limits);
  return renderer.Run();
}

RenderResult Template::Render(const PreparedContext& context, const Json& overlay,
                              UndefinedMode mode, const RenderLimits& limits) const {
  Renderer renderer(*compiled_, context.index(), &overlay, mode, limits);
  return renderer.Run();
}

const std::string& Template::name() const { return compiled_->name; }

}  // namespace runhook::templating
