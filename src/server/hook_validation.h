// Validation of the hooks a run declares, before anything is stored: names, shape (states,
// method, URL, timeout) and the syntax of every template. Pure; thread-safe.
#pragma once

#include <vector>

#include "core/hook.h"
#include "core/result.h"

namespace runhook::server {

// Gives unnamed hooks their "hook-N" names, then checks each hook in order and returns the first
// problem as kInvalidArgument naming the hook, the field and, for templates, line and column:
//   hook 'notify' field 'body': line 1, column 17: unexpected '}'
// Hook features this server does not implement yet (`when`, `every`) are refused rather than
// silently ignored.
Status ValidateHooks(std::vector<core::HookSpec>& hooks);

}  // namespace runhook::server
