// The variables a hook's templates see (docs/api.md, "Template context"). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/run.h"

namespace runhook::server {

// The `run` variable: RunToJson(run) with `project` replaced by {"name", "entity"}, `user` set
// to {"name": entity}, and `entity` kept as a string. `now_ms` is used for `runtime`.
Json RunTemplateVariable(const core::RunRecord& run, const std::string& public_url, int64_t now_ms);

// Everything one delivery's templates see:
//   {"run": RunTemplateVariable(...), "event": {"type", "timestamp"}, "hook": {"name"},
//    "delivery": {"id": webhook_id}}
// The renderer adds "secrets" (name -> value) for hooks that mention it (delivery_rendering.h).
// `run_variable` is the result of RunTemplateVariable, computed once per event.
Json BuildTemplateContext(const Json& run_variable, std::string_view event_type, int64_t event_ms,
                          const std::string& hook_name, const std::string& webhook_id);

}  // namespace runhook::server
