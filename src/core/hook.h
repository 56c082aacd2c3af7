// A webhook declared on a run (or, later, on a project): when to fire and what request to send.
//
// `url`, `body` and header values are Jinja2 templates; they are compiled by whoever accepts the
// hook (the SDK at init, the server at create) before it is stored. Plain data; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace runhook::core {

struct HookSpec {
  std::string name;                     // unique within its run; "hook-N" when not given
  std::vector<std::string> run_states;  // event names (see run_state.h); empty with `when` only
  std::string url;                      // template; http or https once rendered
  std::string method = "POST";          // GET, POST, PUT, PATCH, DELETE
  std::string body;                     // template; may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // values are templates
  double timeout_seconds = 15.0;                             // per attempt
  std::optional<int> max_attempts;  // nullopt: the server's schedule decides
  std::string secret;               // signing secret or the name of a stored one (later)
  std::string when;                 // condition expression (later)
  std::string every;                // periodic `running` interval (later)
  bool strict = false;              // undefined names are an error
  bool disabled = false;            // set by the server, e.g. after a 410
};

// The wire/storage JSON form of a hook: {"name", "run_state": [...], "url", "method", "body",
// "headers": {...}, "timeout", "max_attempts", "secret", "when", "every", "strict"}.
// `run_state` may also be a single string or null on input.
Json HookToJson(const HookSpec& hook);
Result<HookSpec> HookFromJson(const Json& json, size_t index);

// Checks what can be checked without the template engine: states known, method supported,
// URL scheme http/https (checked on the template text's literal prefix), timeout positive,
// max_attempts >= 1. The message names the hook and the field:
//   hook 'notify' field 'method': unsupported method 'FETCH' (use GET, POST, PUT, PATCH or DELETE)
Status ValidateHookShape(const HookSpec& hook);

// The name used in error messages: the hook's name, or "#N" (1-based) when it has none.
std::string HookDisplayName(const HookSpec& hook, size_t index);

// Gives every unnamed hook a unique name "hook-1", "hook-2", ... and checks names are unique.
Status AssignHookNames(std::vector<HookSpec>& hooks);

}  // namespace runhook::core
