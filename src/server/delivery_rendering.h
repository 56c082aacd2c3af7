// Turns the hooks that fire on an event into delivery drafts: method, URL, headers and body
// rendered once, from the run as it stands at the event. Every retry later sends these bytes.
// Pure (no I/O); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/delivery.h"
#include "core/hook.h"
#include "core/json.h"
#include "core/run.h"
#include "template/template_cache.h"

namespace runhook::server {

struct RenderSettings {
  std::string public_url;        // base of run.url
  int default_max_attempts = 8;  // for hooks without max_attempts (the default retry schedule)
  // The stored secrets (name -> value), the templates' `secrets`. When not empty, every draft
  // into which a value was rendered gets `masked` (secret_masking.h), and a render error is
  // masked too. Empty when no firing hook mentions secrets (see MentionsSecrets).
  std::map<std::string, std::string> secrets{};
  // Merged into every delivery's template context, replacing variables of the same name (e.g.
  // {"alert": {...}} for an alert, {"run": ...} with run.history for a `when` event).
  Json extra_context = Json::object();
  // Compiled templates by source text, shared by every event (borrowed; must outlive the
  // rendering). Null: each template is compiled at each rendering.
  templating::TemplateCache* templates = nullptr;
};

// True when a template of `hook` (url, a header, the body) mentions `secrets`; only then does
// rendering it need the stored secrets.
bool MentionsSecrets(const core::HookSpec& hook);

// The event type of a hook test's delivery (RenderTestDelivery).
inline constexpr std::string_view kTestEventType = "test";

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

// One draft for `hook` whatever its events and even when disabled, rendered with event type
// "test" and marked is_test, with a single attempt: `runhook hooks test`.
core::DeliveryDraft RenderTestDelivery(const core::RunRecord& run, const core::HookSpec& hook,
                                       int64_t now_ms, const RenderSettings& settings);

// Renders one hook with the full template context (see template_context.h). The draft's
// webhook_id must already be in `context` as delivery.id. Masks nothing. `templates` as in
// RenderSettings (may be null).
core::DeliveryDraft RenderDelivery(const core::HookSpec& hook, const Json& context,
                                   const std::string& webhook_id, int default_max_attempts,
                                   templating::TemplateCache* templates = nullptr);
// The same against a context prepared once for several hooks (see
// templating::PreparedContext), shadowed by `overlay`'s top-level names (this hook's `hook`,
// `delivery` with webhook_id, ...). `context` may be shared with other threads rendering.
core::DeliveryDraft RenderDelivery(const core::HookSpec& hook,
                                   const templating::PreparedContext& context, const Json& overlay,
                                   const std::string& webhook_id, int default_max_attempts,
                                   templating::TemplateCache* templates = nullptr);

}  // namespace runhook::server
