// Turns the hooks that fire on an event into delivery drafts: method, URL, headers and body
// rendered once, from the run as it stands at the event. Every retry later sends these bytes.
// Pure (no I/O); thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/delivery.h"
#include "core/hook.h"
#include "core/json.h"
#include "core/run.h"

namespace runhook::server {

struct RenderSettings {
  std::string public_url;        // base of run.url
  int default_max_attempts = 8;  // for hooks without max_attempts (the default retry schedule)
};

// True when `hook` listens to `event_type` with run_state and is not disabled.
bool HookFiresOn(const core::HookSpec& hook, std::string_view event_type);

// One draft per hook that fires on `event_type`, in hook order, each with a fresh webhook id.
// Never fails as a whole: a hook whose rendering fails (template error, strict mode and an
// undefined name, a URL that is not http(s), a header value with a line break, a body that
// claims to be JSON and does not parse) yields a draft with `render_error` set, which the store
// keeps as a failed delivery that is never sent.
std::vector<core::DeliveryDraft> RenderDeliveries(const core::RunRecord& run,
                                                  const std::vector<core::HookSpec>& hooks,
                                                  std::string_view event_type, int64_t event_ms,
                                                  const RenderSettings& settings);

// Renders one hook with the full template context (see template_context.h). The draft's
// webhook_id must already be in `context` as delivery.id.
core::DeliveryDraft RenderDelivery(const core::HookSpec& hook, const Json& context,
                                   const std::string& webhook_id, int default_max_attempts);

}  // namespace runhook::server
