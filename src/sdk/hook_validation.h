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

// Names unnamed hooks ("hook-1", ...), checks each hook's shape (states, method, URL scheme,
// timeout, attempts) and compiles its url, body and header values with the template engine.
// Returns the named hooks, or the first problem as an error naming the hook, the field and,
// for a template, the line and column:
//   hook 'notify' field 'body': unexpected '}' at line 1, column 17: expected an expression
// A header's field is named "headers.<Name>".
Result<std::vector<core::HookSpec>> ValidateHooks(const std::vector<Hook>& hooks);

}  // namespace runhook::sdk
