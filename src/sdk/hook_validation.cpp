#include "sdk/hook_validation.h"

#include "hooks/hook_validation.h"

namespace runhook::sdk {

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
  if (auto status = hooks::ValidateHooks(specs); !status) return status.error();
  return specs;
}

}  // namespace runhook::sdk
