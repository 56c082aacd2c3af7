#include "server/run_page.h"

#include <string_view>

#include "core/clock.h"
#include "core/json.h"
#include "core/run_state.h"
#include "server/page_layout.h"
#include "server/static_assets.h"
#include "template/html_escape.h"

namespace runhook::server {
namespace {

using templating::HtmlEscape;

std::string Pretty(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string Row(std::string_view label, const std::string& html_value) {
  return "<tr><th>" + HtmlEscape(label) + "</th><td>" + html_value + "</td></tr>\n";
}

std::string TimeOrDash(const std::optional<int64_t>& ms) {
  return ms ? HtmlEscape(core::FormatIso8601(*ms)) : "<span class=\"muted\">-</span>";
}

std::string RunPath(const core::RunKey& key) {
  return "/" + key.entity + "/" + key.project + "/runs/" + key.id;
}

std::string RunFacts(const core::RunRecord& run, const RunPageData& data) {
  std::string tags;
  for (const auto& tag : run.tags) tags += (tags.empty() ? "" : ", ") + HtmlEscape(tag);
  std::string html = "<table id=\"facts\" class=\"facts\">\n";
  html += Row("id", "<code>" + HtmlEscape(run.key.id) + "</code>");
  if (!run.job_type.empty()) html += Row("job type", HtmlEscape(run.job_type));
  if (!run.group.empty()) html += Row("group", HtmlEscape(run.group));
  if (!tags.empty()) html += Row("tags", tags);
  if (!run.notes.empty()) html += Row("notes", HtmlEscape(run.notes));
  if (!run.host.empty()) html += Row("host", HtmlEscape(run.host));
  html += Row("created", HtmlEscape(core::FormatIso8601(run.created_at_ms)));
  html += Row("started", TimeOrDash(run.started_at_ms));
  html +=
      Row("finished", "<span id=\"run-finished\">" + TimeOrDash(run.finished_at_ms) + "</span>");
  html +=
      Row("last heartbeat", "<span id=\"run-heartbeat\">" +
                                HtmlEscape(core::FormatIso8601(run.heartbeat_at_ms)) + "</span>");
  html += Row("runtime", "<span id=\"run-runtime\">" +
                             HtmlEscape(FormatDuration(core::RuntimeSeconds(run, data.now_ms))) +
                             "</span>");
  if (run.exit_code) html += Row("exit code", std::to_string(*run.exit_code));
  if (!run.error.is_null())
    html += Row("error", "<pre>" + HtmlEscape(Pretty(run.error)) + "</pre>");
  html += Row("last step",
              "<span id=\"run-last-step\">" +
                  (run.last_step < 0 ? std::string("none") : std::to_string(run.last_step)) +
                  "</span>");
  html += "</table>\n";
  return html;
}

// <table id="ID"> with one <tr data-key> per key; an empty object gives an empty table (so a
// live refresh can fill it) and a note.
std::string KeyValueTable(std::string_view id, const Json& object, std::string_view empty_text) {
  std::string html;
  const bool empty = !object.is_object() || object.empty();
  html += "<p class=\"muted empty-note\"" + std::string(empty ? "" : " hidden") + ">" +
          HtmlEscape(empty_text) + "</p>\n";
  html += "<table id=\"" + std::string(id) + "\" class=\"key-values\">\n";
  if (!empty) {
    for (const auto& [key, value] : object.items()) {
      const std::string escaped_key = HtmlEscape(key);
      const std::string text =
          value.is_object() || value.is_array() ? Pretty(value) : CellText(value);
      html += "<tr data-key=\"" + escaped_key + "\"><th>" + escaped_key + "</th><td>" +
              HtmlEscape(text) + "</td></tr>\n";
    }
  }
  return html + "</table>\n";
}

std::string ChartsSection(const core::RunRecord& run) {
  std::string html = "<div id=\"charts\" class=\"charts\">\n";
  for (const std::string& key : ChartKeys(run)) {
    const std::string escaped = HtmlEscape(key);
    html += "<figure class=\"chart\" data-key=\"" + escaped + "\"><figcaption>" + escaped +
            "</figcaption><div class=\"chart-box\"><canvas class=\"metric-chart\" data-key=\"" +
            escaped + "\"></canvas></div></figure>\n";
  }
  html +=
      "</div>\n<noscript><p class=\"muted\">Charts need JavaScript; the summary above holds each "
      "metric's value.</p></noscript>\n";
  return html;
}

std::string HooksSection(const std::vector<core::HookSpec>& hooks) {
  std::string html =
      "<table id=\"hooks\">\n<thead><tr><th>name</th><th>events</th><th>request</th>"
      "<th>headers</th><th>body template</th></tr></thead>\n<tbody>\n";
  for (const auto& hook : hooks) {
    std::string events;
    for (const auto& state : hook.run_states) events += (events.empty() ? "" : ", ") + state;
    if (!hook.when.empty()) events += (events.empty() ? "when " : "; when ") + hook.when;
    if (!hook.every.empty()) events += (events.empty() ? "every " : "; every ") + hook.every;
    std::string headers;
    for (const auto& [name, value] : hook.headers) headers += name + ": " + value + "\n";
    html += "<tr class=\"hook\" data-hook=\"" + HtmlEscape(hook.name) + "\"><td>" +
            HtmlEscape(hook.name) +
            (hook.disabled ? " <span class=\"muted\">(disabled)</span>" : "") + "</td><td>" +
            HtmlEscape(events) + "</td><td><code>" + HtmlEscape(hook.method) + " " +
            HtmlEscape(hook.url) + "</code></td><td>" +
            (headers.empty() ? "<span class=\"muted\">none</span>"
                             : "<pre>" + HtmlEscape(headers) + "</pre>") +
            "</td><td><pre>" + HtmlEscape(hook.body) + "</pre></td></tr>\n";
  }
  html += "</tbody>\n</table>\n";
  if (hooks.empty()) html += "<p class=\"muted\">This run declares no hooks.</p>\n";
  return html;
}

std::string AttemptRow(const core::Attempt& attempt) {
  std::string response = attempt.response_excerpt;
  if (!attempt.error.empty()) response = attempt.error + (response.empty() ? "" : "\n" + response);
  return "<tr class=\"attempt\"><td class=\"attempt-number\">" + std::to_string(attempt.number) +
         "</td><td class=\"attempt-started\">" +
         HtmlEscape(core::FormatIso8601(attempt.started_at_ms)) +
         "</td><td class=\"attempt-status\">" +
         (attempt.status_code ? std::to_string(attempt.status_code) : std::string("-")) +
         "</td><td class=\"attempt-latency\">" + FormatMilliseconds(attempt.latency_ms) +
         "</td><td class=\"attempt-response\" colspan=\"2\"><pre>" + HtmlEscape(response) +
         "</pre></td></tr>\n";
}

std::string DeliveryBody(const core::RunKey& key, const DeliveryWithAttempts& item) {
  const core::Delivery& delivery = item.delivery;
  const auto& request = delivery.request;
  const std::string id = std::to_string(delivery.id);
  const std::string state(core::ToString(delivery.state));
  std::string html = "<tbody class=\"delivery\" id=\"delivery-" + id + "\" data-delivery-id=\"" +
                     id + "\" data-state=\"" + HtmlEscape(state) + "\">\n";
  std::string details = "Delivery " + id + ": " + HtmlEscape(delivery.event_type) +
                        " &rarr; hook " + HtmlEscape(request.hook_name) + " <code>" +
                        HtmlEscape(request.method) + " " + HtmlEscape(request.url) + "</code>";
  std::string notes = std::to_string(delivery.attempt_count) + " of " +
                      std::to_string(request.max_attempts) + " attempts";
  if (delivery.state == core::DeliveryState::kPending)
    notes += "; next " + HtmlEscape(core::FormatIso8601(delivery.next_attempt_at_ms));
  if (!delivery.last_error.empty()) notes += "; " + HtmlEscape(delivery.last_error);
  html += "<tr class=\"delivery-head\"><th colspan=\"3\" class=\"delivery-title\">" + details +
          "<div class=\"muted delivery-notes\">" + notes +
          "</div></th><td class=\"delivery-state\">" + StateBadge(state) +
          "</td><td colspan=\"2\" class=\"delivery-actions\">" +
          "<form class=\"redeliver-form\" method=\"post\" action=\"" + HtmlEscape(RunPath(key)) +
          "/deliveries/" + id +
          "/redeliver\"><button class=\"redeliver\" type=\"submit\">Redeliver</button></form>"
          "</td></tr>\n";
  std::string headers;
  for (const auto& [name, value] : request.headers) headers += name + ": " + value + "\n";
  html +=
      "<tr class=\"delivery-request\"><td colspan=\"6\"><details><summary>request (webhook id " +
      HtmlEscape(request.webhook_id) + ")</summary><pre>" + HtmlEscape(headers) + "\n" +
      HtmlEscape(request.body) + "</pre></details></td></tr>\n";
  for (const auto& attempt : item.attempts) html += AttemptRow(attempt);
  return html + "</tbody>\n";
}

std::string DeliveriesSection(const core::RunKey& key,
                              const std::vector<DeliveryWithAttempts>& deliveries) {
  std::string html =
      "<table id=\"deliveries\">\n<thead><tr><th>#</th><th>started</th><th>status</th>"
      "<th>latency</th><th colspan=\"2\">response (first 4 KiB) or error</th></tr></thead>\n";
  html += RenderDeliveryBodies(key, deliveries) + "</table>\n";
  if (deliveries.empty())
    html += "<p class=\"muted\" id=\"no-deliveries\">No deliveries yet.</p>\n";
  return html;
}

}  // namespace

std::string RenderDeliveryBodies(const core::RunKey& key,
                                 const std::vector<DeliveryWithAttempts>& deliveries) {
  std::string html;
  for (const auto& item : deliveries) html += DeliveryBody(key, item);
  return html;
}

std::vector<std::string> ChartKeys(const core::RunRecord& run) {
  std::vector<std::string> keys;
  if (!run.summary.is_object()) return keys;
  const Json* set = nullptr;
  if (run.summary_state.is_object() && run.summary_state.contains("set"))
    set = &run.summary_state["set"];
  for (const auto& [key, value] : run.summary.items()) {
    if (!value.is_number()) continue;
    if (set != nullptr && set->is_object() && set->contains(key)) continue;
    keys.push_back(key);
  }
  return keys;
}

std::string RenderRunPage(const RunPageData& data) {
  const core::RunRecord& run = data.run;
  const core::RunKey& key = run.key;
  const std::string project_path = "/" + key.entity + "/" + key.project;
  const std::string state(core::ToString(run.state));
  std::string html =
      PageStart(run.name + " · " + key.entity + "/" + key.project + " · runhook",
                "/ " + HtmlEscape(key.entity) + " / <a href=\"" + HtmlEscape(project_path) + "\">" +
                    HtmlEscape(key.project) + "</a> / runs");
  html += "<div id=\"run\" data-entity=\"" + HtmlEscape(key.entity) + "\" data-project=\"" +
          HtmlEscape(key.project) + "\" data-run-id=\"" + HtmlEscape(key.id) + "\" data-state=\"" +
          HtmlEscape(state) + "\">\n";
  html += "<h1>" + HtmlEscape(run.name) + " " + StateBadge(state, "run-state") + "</h1>\n";
  html += "<p id=\"failure-reason\" class=\"failure\"" +
          std::string(run.failure_reason.empty() ? " hidden>" : ">") +
          (run.failure_reason.empty() ? "" : "failure reason: " + HtmlEscape(run.failure_reason)) +
          "</p>\n";
  html += RunFacts(run, data);
  html += "<h2>Config</h2>\n" + KeyValueTable("config", run.config, "No config.");
  html += "<h2>Summary</h2>\n" + KeyValueTable("summary", run.summary, "Nothing logged yet.");
  html += "<h2>Charts</h2>\n" + ChartsSection(run);
  html += "<h2>Hooks</h2>\n" + HooksSection(data.hooks);
  html += "<h2>Deliveries</h2>\n" + DeliveriesSection(key, data.deliveries);
  html += "</div>\n";
  html += PageEnd("<script src=\"" + HtmlEscape(StaticAssetUrl("chart.min.js")) +
                  "\"></script>\n<script src=\"" + HtmlEscape(StaticAssetUrl("run_page.js")) +
                  "\"></script>\n");
  return html;
}

}  // namespace runhook::server
