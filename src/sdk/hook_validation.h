// Checking the hooks a run declares, before anything reaches the server.
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "core/hook.h"
#include "core/result.h"
#include "runhook/runhook.h"

namespace runhook::sdk {

// Converts the public Hook to the wire/storage form.
core::HookSpec ToHookSpec(const Hook& hook);

// Names unnamed hooks ("hook-1", ...) and checks them with the server's own rules
// (hooks/hook_validation.h: shape, template syntax, `when`, `every`). Returns the named hooks,
// or the first problem as an error naming the hook, the field and, for a template, the line and
// column:
//   hook 'notify' field 'body': line 1, column 17: unexpected '}'
// A header's field is named "headers.<Name>".
Result<std::vector<core::HookSpec>> ValidateHooks(const std::vector<Hook>& hooks);

}  // namespace runhook::sdk
