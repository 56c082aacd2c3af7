#include "server/template_context.h"

#include "core/clock.h"

namespace runhook::server {

Json RunTemplateVariable(const core::RunRecord& run, const std::string& public_url,
                         int64_t now_ms) {
  Json variable = core::RunToJson(run, public_url, now_ms);
  variable["project"] = Json{{"name", run.key.project}, {"entity", run.key.entity}};
  variable["user"] = Json{{"name", run.key.entity}};
  variable["entity"] = run.key.entity;
  return variable;
}

Json BuildTemplateContext(const Json& run_variable, std::string_view event_type, int64_t event_ms,
                          const std::string& hook_name, const std::string& webhook_id) {
  return Json{{"run", run_variable},
              {"event", {{"type", event_type}, {"timestamp", core::FormatIso8601(event_ms)}}},
              {"hook", {{"name", hook_name}}},
              {"delivery", {{"id", webhook_id}}}};
}

}  // namespace runhook::server
