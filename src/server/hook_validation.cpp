#include "server/hook_validation.h"

#include <string>

#include "template/template.h"

namespace runhook::server {
namespace {

ErrorInfo FieldError(const core::HookSpec& hook, const std::string& field,
                     const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "hook '" + hook.name + "' field '" + field + "': " + what);
}

Status CompileField(const core::HookSpec& hook, const std::string& field,
                    const std::string& source) {
  try {
    templating::Template::Compile(source, hook.name + "." + field);
  } catch (const templating::TemplateError& error) {
    std::string where;
    if (error.line() > 0)
      where = "line " + std::to_string(error.line()) + ", column " +
              std::to_string(error.column()) + ": ";
    return FieldError(hook, field, where + error.message());
  }
  return OkStatus();
}

Status RefuseUnsupported(const core::HookSpec& hook) {
  if (!hook.when.empty())
    return FieldError(hook, "when", "conditions are not supported by this server yet");
  if (!hook.every.empty())
    return FieldError(hook, "every", "periodic hooks are not supported by this server yet");
  return OkStatus();
}

}  // namespace

Status ValidateHooks(std::vector<core::HookSpec>& hooks) {
  if (auto status = core::AssignHookNames(hooks); !status) return status;
  for (const auto& hook : hooks) {
    if (auto status = RefuseUnsupported(hook); !status) return status;
    if (auto status = core::ValidateHookShape(hook); !status) return status;
    if (auto status = CompileField(hook, "url", hook.url); !status) return status;
    for (const auto& [name, value] : hook.headers)
      if (auto status = CompileField(hook, "headers." + name, value); !status) return status;
    if (auto status = CompileField(hook, "body", hook.body); !status) return status;
  }
  return OkStatus();
}

}  // namespace runhook::server
