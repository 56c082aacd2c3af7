// Validation of declared hooks, shared by the server (before anything is stored) and the SDK
// (at init): shape (states, method, URL, timeout, attempts), the syntax of every template, the
// `when` expression and the `every` duration. Pure functions; thread-safe.
#pragma once

#include <vector>

#include "core/hook.h"
#include "core/result.h"

namespace runhook::hooks {

// Checks one hook; the first problem is returned as kInvalidArgument naming the hook, the field
// and, for templates and `when`, line and column within that field:
//   hook 'notify' field 'body': line 1, column 17: unexpected '}'
//   hook 'acc' field 'when': line 1, column 24: unexpected end of template ...
// A header's field is named "headers.<Name>". `hook.name` should be set (see ValidateHooks).
Status ValidateHook(const core::HookSpec& hook);

// Gives unnamed hooks their "hook-N" names, checks names are unique, then ValidateHook on each
// in order, returning the first problem.
Status ValidateHooks(std::vector<core::HookSpec>& hooks);

}  // namespace runhook::hooks
