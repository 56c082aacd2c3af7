// The run model (DESIGN.md section 3): what the server stores about one training run.
//
// Plain data; not thread-safe. A run is identified by (entity, project, id).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/run_state.h"

namespace runhook::core {

struct RunKey {
  std::string entity;
  std::string project;
  std::string id;
  bool operator==(const RunKey&) const = default;
};

struct RunRecord {
  RunKey key;
  std::string name;
  std::string job_type;
  std::string group;
  std::vector<std::string> tags;
  std::string notes;
  std::string host;
  Json config = Json::object();
  Json summary = Json::object();  // last logged value per key, or as summary_state says
  // How the summary is kept beyond "last logged value" (server/run_summary.h; never shown in
  // the API): {"set": {key: true} for keys set explicitly, "metrics": {name: {"summary",
  // "step_metric", "hidden"}}, "aggregates": {name: {"min", "max", "sum", "count"}}}.
  Json summary_state = Json::object();
  RunState state = RunState::kCreated;
  int64_t created_at_ms = 0;
  int64_t heartbeat_at_ms = 0;
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> finished_at_ms;
  std::optional<int> exit_code;
  Json error = nullptr;        // null, or {"type", "message", "traceback"}
  std::string failure_reason;  // "", "exit_code", "exception", "killed", "crashed"
  int64_t last_step = -1;      // highest history step stored; -1 when none
  int64_t version = 0;         // bumped by every store update (optimistic concurrency)
  int resumed_count = 0;       // how often a finished or failed run was started again
  // What happened to the run besides its state, oldest first:
  // [{"event": "crashed" | "recovered" | "resumed", "at": unix ms}].
  Json state_history = Json::array();
  // The server's bookkeeping for the run's hooks, written with the run (never shown in the API):
  // {"when": {hook: bool}, "every": {hook: next due unix ms}, "alerts": {title: unix ms},
  //  "alerts_suppressed": n, "conditional": bool (some hook has `when`)}.
  Json hook_state = Json::object();
  // The earliest due time in hook_state["every"] while running; the periodic sender's index.
  std::optional<int64_t> next_periodic_at_ms;
};

// One step of history: the metric values logged at that step.
struct HistoryRow {
  int64_t step = 0;
  Json values = Json::object();
};

// "<public_url>/<entity>/<project>/runs/<id>", with no doubled slash.
std::string RunUrl(const std::string& public_url, const RunKey& key);

// Seconds between created_at and finished_at (or `now_ms` while the run is not over).
double RuntimeSeconds(const RunRecord& run, int64_t now_ms);

// The API's JSON form of a run (also the basis of the template context).
Json RunToJson(const RunRecord& run, const std::string& public_url, int64_t now_ms);

}  // namespace runhook::core
