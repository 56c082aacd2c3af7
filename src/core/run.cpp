#include "core/run.h"

#include "core/clock.h"

namespace runhook::core {

std::string RunUrl(const std::string& public_url, const RunKey& key) {
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + key.entity + "/" + key.project + "/runs/" + key.id;
}

double RuntimeSeconds(const RunRecord& run, int64_t now_ms) {
  int64_t end = run.finished_at_ms.value_or(now_ms);
  return end > run.created_at_ms ? static_cast<double>(end - run.created_at_ms) / 1000.0 : 0.0;
}

Json RunToJson(const RunRecord& run, const std::string& public_url, int64_t now_ms) {
  auto optional_time = [](const std::optional<int64_t>& ms) {
    return ms ? Json(FormatIso8601(*ms)) : Json(nullptr);
  };
  Json state_history = Json::array();
  std::optional<int64_t> crashed_at, recovered_at;
  for (const Json& entry : run.state_history) {
    const std::string event = entry.value("event", "");
    const int64_t at = entry.value("at", int64_t{0});
    state_history.push_back(Json{{"event", event}, {"at", FormatIso8601(at)}});
    if (event == "crashed") crashed_at = at;
    if (event == "recovered") recovered_at = at;
  }
  return Json{
      {"id", run.key.id},
      {"name", run.name},
      {"entity", run.key.entity},
      {"project", run.key.project},
      {"job_type", run.job_type},
      {"group", run.group},
      {"tags", run.tags},
      {"notes", run.notes},
      {"host", run.host},
      {"state", ToString(run.state)},
      {"config", run.config},
      {"summary", run.summary},
      {"created_at", FormatIso8601(run.created_at_ms)},
      {"heartbeat_at", FormatIso8601(run.heartbeat_at_ms)},
      {"started_at", optional_time(run.started_at_ms)},
      {"finished_at", optional_time(run.finished_at_ms)},
      {"runtime", RuntimeSeconds(run, now_ms)},
      {"exit_code", run.exit_code ? Json(*run.exit_code) : Json(nullptr)},
      {"error", run.error},
      {"failure_reason", run.failure_reason.empty() ? Json(nullptr) : Json(run.failure_reason)},
      {"last_step", run.last_step},
      {"resumed_count", run.resumed_count},
      {"crashed_at", optional_time(crashed_at)},
      {"recovered_at", optional_time(recovered_at)},
      {"state_history", std::move(state_history)},
      {"url", RunUrl(public_url, run.key)}};
}

}  // namespace runhook::core
