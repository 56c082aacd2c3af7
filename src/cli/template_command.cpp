// `runhook template render`: renders a template from the command line, or many from JSON lines
// on stdin (--jsonl), which is how the differential test suite drives the engine.
//
//   runhook template render (--template TEXT | --file F) [--context JSON | --context-file F]
//                           [--undefined default|chainable|strict]
//   runhook template render --jsonl
//     stdin:  {"template": "...", "context": {...}, "undefined": "default",
//              "options": {"trim_blocks": false, "lstrip_blocks": false,
//                          "keep_trailing_newline": false}}
//     stdout: {"output": "..."} or {"error": {"type": "UndefinedError", "message": "..."}}
//
// Single renders print exactly the rendered text; errors go to stderr with a non-zero exit.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "core/json.h"
#include "template/template.h"

namespace runhook::cli {
namespace {

using templating::CompileOptions;
using templating::Template;
using templating::TemplateError;
using templating::UndefinedMode;

std::optional<UndefinedMode> ParseUndefinedMode(const std::string& text) {
  if (text == "default") return UndefinedMode::kDefault;
  if (text == "chainable") return UndefinedMode::kChainable;
  if (text == "strict") return UndefinedMode::kStrict;
  return std::nullopt;
}

Json ErrorLine(const std::string& type, const std::string& message) {
  return Json{{"error", Json{{"type", type}, {"message", message}}}};
}

// One JSON line in, one JSON line out (without the newline). Never throws.
std::string RenderJsonLine(const std::string& line) {
  Json result;
  try {
    Json request = Json::parse(line);
    if (!request.is_object() || !request.contains("template") || !request["template"].is_string()) {
      result = ErrorLine("RequestError", "each line must be an object with a string \"template\"");
    } else {
      std::string mode_text = request.value("undefined", std::string("default"));
      std::optional<UndefinedMode> mode = ParseUndefinedMode(mode_text);
      CompileOptions options;
      if (request.contains("options") && request["options"].is_object()) {
        const Json& given = request["options"];
        options.trim_blocks = given.value("trim_blocks", false);
        options.lstrip_blocks = given.value("lstrip_blocks", false);
        options.keep_trailing_newline = given.value("keep_trailing_newline", false);
      }
      if (!mode) {
        result = ErrorLine("RequestError", "unknown undefined mode '" + mode_text + "'");
      } else {
        Json context = request.contains("context") ? request["context"] : Json::object();
        Template compiled =
            Template::Compile(request["template"].get<std::string>(), "<template>", options);
        // "prepared": true renders through a PreparedContext (the differential suite checks
        // that both ways give the same line).
        templating::RenderResult rendered =
            request.value("prepared", false)
                ? compiled.Render(templating::PreparedContext(context), *mode)
                : compiled.Render(context, *mode);
        result = Json{{"output", rendered.output}};
        if (!rendered.undefined_names.empty()) result["undefined_names"] = rendered.undefined_names;
      }
    }
  } catch (const TemplateError& error) {
    result = ErrorLine(error.type(), error.what());
  } catch (const Json::exception& error) {
    result = ErrorLine("RequestError", error.what());
  } catch (const std::exception& error) {
    result = ErrorLine("InternalError", error.what());
  }
  return result.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "runhook template render: cannot read " << path << "\n";
    throw CLI::RuntimeError(2);
  }
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

struct RenderOptions {
  std::optional<std::string> template_text;
  std::string template_file;
  std::string context_text;
  std::string context_file;
  std::string undefined = "default";
  bool jsonl = false;
  bool trim_blocks = false;
  bool lstrip_blocks = false;
  bool keep_trailing_newline = false;
};

void RunJsonLines() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::cout << RenderJsonLine(line) << '\n';
  }
  std::cout.flush();
}

void RunRender(const RenderOptions& options) {
  if (options.jsonl) {
    RunJsonLines();
    return;
  }
  if (!options.template_text && options.template_file.empty()) {
    std::cerr << "runhook template render: give --template, --file or --jsonl\n";
    throw CLI::RuntimeError(2);
  }
  std::string source =
      options.template_text ? *options.template_text : ReadFile(options.template_file);
  std::string context_text =
      options.context_file.empty() ? options.context_text : ReadFile(options.context_file);
  Json context = Json::object();
  if (!context_text.empty()) {
    try {
      context = Json::parse(context_text);
    } catch (const Json::exception& error) {
      std::cerr << "runhook template render: the context is not valid JSON: " << error.what()
                << "\n";
      throw CLI::RuntimeError(2);
    }
    if (!context.is_object()) {
      std::cerr << "runhook template render: the context must be a JSON object\n";
      throw CLI::RuntimeError(2);
    }
  }
  std::optional<UndefinedMode> mode = ParseUndefinedMode(options.undefined);
  if (!mode) {
    std::cerr << "runhook template render: --undefined must be default, chainable or strict\n";
    throw CLI::RuntimeError(2);
  }
  CompileOptions compile_options;
  compile_options.trim_blocks = options.trim_blocks;
  compile_options.lstrip_blocks = options.lstrip_blocks;
  compile_options.keep_trailing_newline = options.keep_trailing_newline;
  std::string name = options.template_file.empty() ? "<template>" : options.template_file;
  try {
    Template compiled = Template::Compile(source, name, compile_options);
    std::string output = compiled.Render(context, *mode).output;
    std::cout.write(output.data(), static_cast<std::streamsize>(output.size()));
    std::cout.flush();
  } catch (const TemplateError& error) {
    std::cerr << error.type() << ": " << error.what() << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void AddTemplateCommand(CLI::App& app) {
  CLI::App* command = app.add_subcommand("template", "Work with Jinja2 templates");
  command->require_subcommand(1);
  CLI::App* render = command->add_subcommand("render", "Render a template to stdout");
  auto options = std::make_shared<RenderOptions>();
  auto* text = render->add_option("--template", options->template_text, "Template text");
  auto* file = render->add_option("--file", options->template_file, "Template file");
  text->excludes(file);
  auto* context =
      render->add_option("--context", options->context_text, "Context as a JSON object");
  auto* context_file =
      render->add_option("--context-file", options->context_file, "Context JSON file");
  context->excludes(context_file);
  render->add_option("--undefined", options->undefined, "default, chainable or strict")
      ->check(CLI::IsMember({"default", "chainable", "strict"}));
  render->add_flag(
      "--jsonl", options->jsonl,
      "Read JSON lines {template, context, undefined, options, prepared} on stdin; write one "
      "result line each");
  render->add_flag("--trim-blocks", options->trim_blocks, "Jinja2's trim_blocks");
  render->add_flag("--lstrip-blocks", options->lstrip_blocks, "Jinja2's lstrip_blocks");
  render->add_flag("--keep-trailing-newline", options->keep_trailing_newline,
                   "Jinja2's keep_trailing_newline");
  render->callback([options] { RunRender(*options); });
}

}  // namespace runhook::cli
