#include "hooks/hook_validation.h"

#include <string>

#include "hooks/condition.h"
#include "template/template.h"

namespace runhook::hooks {
namespace {

ErrorInfo FieldError(const core::HookSpec& hook, const std::string& field,
                     const std::string& what) {
  const std::string& name = hook.name.empty() ? std::string("(unnamed)") : hook.name;
  return MakeError(ErrorCode::kInvalidArgument,
                   "hook '" + name + "' field '" + field + "': " + what);
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

}  // namespace

Status ValidateHook(const core::HookSpec& hook) {
  if (auto status = core::ValidateHookShape(hook); !status) return status;
  if (auto status = CompileField(hook, "url", hook.url); !status) return status;
  for (const auto& [name, value] : hook.headers)
    if (auto status = CompileField(hook, "headers." + name, value); !status) return status;
  if (auto status = CompileField(hook, "body", hook.body); !status) return status;
  if (!hook.when.empty()) {
    auto condition = Condition::Compile(hook.when);
    if (!condition) return FieldError(hook, "when", condition.error().message);
  }
  if (auto every = ParseEveryMillis(hook.every); !every)
    return FieldError(hook, "every", every.error().message);
  return OkStatus();
}

Status ValidateHooks(std::vector<core::HookSpec>& hooks) {
  if (auto status = core::AssignHookNames(hooks); !status) return status;
  for (const auto& hook : hooks)
    if (auto status = ValidateHook(hook); !status) return status;
  return OkStatus();
}

}  // namespace runhook::hooks
