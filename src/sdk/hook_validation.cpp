#include "sdk/hook_validation.h"

#include <optional>
#include <string>

#include "template/template.h"

namespace runhook::sdk {
namespace {

// The engine's message with the location, e.g. "unexpected '}' at line 1, column 17: ...".
// Templates are compiled under the engine's default name, so what() does not repeat a name the
// caller's prefix already gives.
std::string DescribeTemplateError(const templating::TemplateError& error) {
  std::string text = error.what();
  if (error.line() > 0 && text.find("line " + std::to_string(error.line())) == std::string::npos)
    text += " (at line " + std::to_string(error.line()) + ", column " +
            std::to_string(error.column()) + ")";
  return text;
}

// Compiles one template field; returns the error text when it does not compile.
std::optional<std::string> CompileField(const std::string& hook_name, const std::string& field,
                                        const std::string& source) {
  try {
    templating::Template::Compile(source);
    return std::nullopt;
  } catch (const templating::TemplateError& error) {
    return "hook '" + hook_name + "' field '" + field + "': " + DescribeTemplateError(error);
  }
}

}  // namespace

core::HookSpec ToHookSpec(const Hook& hook) {
  core::HookSpec spec;
  spec.name = hook.name;
  spec.run_states = hook.run_state;
  spec.url = hook.url;
  spec.method = hook.method;
  spec.body = hook.body;
  spec.headers = hook.headers;
  spec.timeout_seconds = hook.timeout;
  spec.max_attempts = hook.max_attempts;
  spec.secret = hook.secret;
  spec.when = hook.when;
  spec.every = hook.every;
  spec.strict = hook.strict;
  return spec;
}

Result<std::vector<core::HookSpec>> ValidateHooks(const std::vector<Hook>& hooks) {
  std::vector<core::HookSpec> specs;
  specs.reserve(hooks.size());
  for (const auto& hook : hooks) specs.push_back(ToHookSpec(hook));
  if (auto named = core::AssignHookNames(specs); !named) return named.error();
  for (const auto& spec : specs) {
    if (auto shape = core::ValidateHookShape(spec); !shape) return shape.error();
    auto problem = CompileField(spec.name, "url", spec.url);
    if (!problem) problem = CompileField(spec.name, "body", spec.body);
    for (const auto& [header, value] : spec.headers) {
      if (problem) break;
      problem = CompileField(spec.name, "headers." + header, value);
    }
    if (problem) return MakeError(ErrorCode::kInvalidArgument, *problem);
  }
  return specs;
}

}  // namespace runhook::sdk
