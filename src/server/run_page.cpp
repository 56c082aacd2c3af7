#include "server/run_page.h"

#include <string_view>

#include "core/clock.h"
#include "core/json.h"
#include "core/run_state.h"
#include "template/html_escape.h"

namespace runhook::server {
namespace {

using templating::HtmlEscape;

constexpr std::string_view kStyle = R"(<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f5f5f5}pre{background:#f7f7f7;padding:.5rem;
margin:0;white-space:pre-wrap;word-break:break-all}.state{padding:.1rem .5rem;border-radius:.3rem;
background:#eee}.finished,.delivered{background:#d4f4d4}.failed,.dead{background:#f8d4d4}
.running,.pending{background:#d4e4f8}.muted{color:#777}
</style>)";

std::string Pretty(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string Badge(std::string_view state) {
  const std::string escaped = HtmlEscape(state);
  return "<span class=\"state " + escaped + "\">" + escaped + "</span>";
}

std::string Row(std::string_view label, const std::string& html_value) {
  return "<tr><th>" + HtmlEscape(label) + "</th><td>" + html_value + "</td></tr>\n";
}

std::string TimeOrDash(const std::optional<int64_t>& ms) {
  return ms ? HtmlEscape(core::FormatIso8601(*ms)) : "<span class=\"muted\">-</span>";
}

std::string RunFacts(const core::RunRecord& run, const RunPageData& data) {
  std::string tags;
  for (const auto& tag : run.tags) tags += (tags.empty() ? "" : ", ") + HtmlEscape(tag);
  std::string html = "<table>\n";
  html += Row("id", "<code>" + HtmlEscape(run.key.id) + "</code>");
  html += Row("name", HtmlEscape(run.name));
  html += Row("entity", HtmlEscape(run.key.entity));
  html += Row("project", HtmlEscape(run.key.project));
  html += Row("state", Badge(core::ToString(run.state)));
  if (!run.job_type.empty()) html += Row("job type", HtmlEscape(run.job_type));
  if (!run.group.empty()) html += Row("group", HtmlEscape(run.group));
  if (!tags.empty()) html += Row("tags", tags);
  if (!run.notes.empty()) html += Row("notes", HtmlEscape(run.notes));
  if (!run.host.empty()) html += Row("host", HtmlEscape(run.host));
  html += Row("created", HtmlEscape(core::FormatIso8601(run.created_at_ms)));
  html += Row("started", TimeOrDash(run.started_at_ms));
  html += Row("finished", TimeOrDash(run.finished_at_ms));
  html += Row("last heartbeat", HtmlEscape(core::FormatIso8601(run.heartbeat_at_ms)));
  html += Row("runtime", HtmlEscape(Json(core::RuntimeSeconds(run, data.now_ms)).dump()) + " s");
  if (run.exit_code) html += Row("exit code", std::to_string(*run.exit_code));
  if (!run.failure_reason.empty()) html += Row("failure reason", HtmlEscape(run.failure_reason));
  if (!run.error.is_null())
    html += Row("error", "<pre>" + HtmlEscape(Pretty(run.error)) + "</pre>");
  html += Row("last step", run.last_step < 0 ? std::string("<span class=\"muted\">none</span>")
                                             : std::to_string(run.last_step));
  html += "</table>\n";
  return html;
}

std::string KeyValueTable(const Json& object, std::string_view empty_text) {
  if (!object.is_object() || object.empty())
    return "<p class=\"muted\">" + HtmlEscape(empty_text) + "</p>\n";
  std::string html = "<table>\n";
  for (const auto& [key, value] : object.items()) {
    html += "<tr><th>" + HtmlEscape(key) + "</th><td><code>" +
            HtmlEscape(value.is_object() || value.is_array()
                           ? Pretty(value)
                           : value.dump(-1, ' ', false, Json::error_handler_t::replace)) +
            "</code></td></tr>\n";
  }
  return html + "</table>\n";
}

std::string HooksSection(const std::vector<core::HookSpec>& hooks) {
  if (hooks.empty()) return "<p class=\"muted\">This run declares no hooks.</p>\n";
  std::string html =
      "<table>\n<tr><th>name</th><th>events</th><th>request</th><th>headers</th><th>body "
      "template</th></tr>\n";
  for (const auto& hook : hooks) {
    std::string events;
    for (const auto& state : hook.run_states) events += (events.empty() ? "" : ", ") + state;
    std::string headers;
    for (const auto& [name, value] : hook.headers) headers += name + ": " + value + "\n";
    html += "<tr><td>" + HtmlEscape(hook.name) + (hook.disabled ? " (disabled)" : "") +
            "</td><td>" + HtmlEscape(events) + "</td><td><code>" + HtmlEscape(hook.method) + " " +
            HtmlEscape(hook.url) + "</code></td><td><pre>" + HtmlEscape(headers) +
            "</pre></td><td><pre>" + HtmlEscape(hook.body) + "</pre></td></tr>\n";
  }
  return html + "</table>\n";
}

std::string AttemptsTable(const std::vector<core::Attempt>& attempts) {
  if (attempts.empty()) return "<p class=\"muted\">No attempts yet.</p>\n";
  std::string html =
      "<table>\n<tr><th>#</th><th>started</th><th>status</th><th>latency</th><th>error</th>"
      "<th>response (first 4 KiB)</th></tr>\n";
  for (const auto& attempt : attempts) {
    html += "<tr><td>" + std::to_string(attempt.number) + "</td><td>" +
            HtmlEscape(core::FormatIso8601(attempt.started_at_ms)) + "</td><td>" +
            (attempt.status_code ? std::to_string(attempt.status_code) : std::string("-")) +
            "</td><td>" + HtmlEscape(Json(attempt.latency_ms).dump()) + " ms</td><td>" +
            HtmlEscape(attempt.error) + "</td><td><pre>" + HtmlEscape(attempt.response_excerpt) +
            "</pre></td></tr>\n";
  }
  return html + "</table>\n";
}

std::string DeliveriesSection(const std::vector<DeliveryWithAttempts>& deliveries) {
  if (deliveries.empty()) return "<p class=\"muted\">No deliveries yet.</p>\n";
  std::string html;
  for (const auto& [delivery, attempts] : deliveries) {
    const auto& request = delivery.request;
    html += "<h3>Delivery " + std::to_string(delivery.id) + ": " + HtmlEscape(delivery.event_type) +
            " &rarr; hook " + HtmlEscape(request.hook_name) + " " +
            Badge(core::ToString(delivery.state)) + "</h3>\n<table>\n";
    html += Row("request",
                "<code>" + HtmlEscape(request.method) + " " + HtmlEscape(request.url) + "</code>");
    html += Row("webhook id", "<code>" + HtmlEscape(request.webhook_id) + "</code>");
    html += Row("created", HtmlEscape(core::FormatIso8601(delivery.created_at_ms)));
    html += Row("attempts", std::to_string(delivery.attempt_count) + " of " +
                                std::to_string(request.max_attempts));
    if (delivery.state == core::DeliveryState::kPending)
      html += Row("next attempt", HtmlEscape(core::FormatIso8601(delivery.next_attempt_at_ms)));
    if (!delivery.last_error.empty()) html += Row("error", HtmlEscape(delivery.last_error));
    if (!request.undefined_names.empty()) {
      std::string names;
      for (const auto& name : request.undefined_names) names += (names.empty() ? "" : ", ") + name;
      html += Row("undefined in templates", HtmlEscape(names));
    }
    std::string headers;
    for (const auto& [name, value] : request.headers) headers += name + ": " + value + "\n";
    if (!headers.empty()) html += Row("headers", "<pre>" + HtmlEscape(headers) + "</pre>");
    html += Row("body", "<pre>" + HtmlEscape(request.body) + "</pre>");
    html += "</table>\n" + AttemptsTable(attempts);
  }
  return html;
}

std::string PageStart(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         HtmlEscape(title) + "</title>\n" + std::string(kStyle) + "\n</head>\n<body>\n";
}

}  // namespace

std::string RenderRunPage(const RunPageData& data) {
  const core::RunRecord& run = data.run;
  std::string html = PageStart(run.name + " - " + run.key.project + " - runhook");
  html += "<p class=\"muted\">" + HtmlEscape(run.key.entity) + " / " + HtmlEscape(run.key.project) +
          " / runs</p>\n";
  html += "<h1>" + HtmlEscape(run.name) + " " + Badge(core::ToString(run.state)) + "</h1>\n";
  html += RunFacts(run, data);
  html += "<h2>Config</h2>\n" + KeyValueTable(run.config, "No config.");
  html += "<h2>Summary</h2>\n" + KeyValueTable(run.summary, "Nothing logged yet.");
  html += "<h2>Hooks</h2>\n" + HooksSection(data.hooks);
  html += "<h2>Deliveries</h2>\n" + DeliveriesSection(data.deliveries);
  html += "</body>\n</html>\n";
  return html;
}

std::string RenderErrorPage(const std::string& title, const std::string& message) {
  return PageStart(title + " - runhook") + "<h1>" + HtmlEscape(title) + "</h1>\n<p>" +
         HtmlEscape(message) + "</p>\n</body>\n</html>\n";
}

}  // namespace runhook::server
