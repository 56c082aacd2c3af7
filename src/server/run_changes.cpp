#include "server/run_changes.h"

#include <algorithm>
#include <string>

#include "hooks/condition.h"
#include "server/run_summary.h"

namespace runhook::server {
namespace {

ErrorInfo RunIsOver(const core::RunRecord& run, const std::string& what) {
  return MakeError(ErrorCode::kConflict, "run '" + DescribeRun(run.key) + "' is already " +
                                             std::string(core::ToString(run.state)) + ": " + what);
}

void AddStateHistory(core::RunRecord& run, std::string_view event, int64_t now_ms) {
  if (!run.state_history.is_array()) run.state_history = Json::array();
  run.state_history.push_back(Json{{"event", event}, {"at", now_ms}});
}

// Clears what the last finish or crash recorded, making the run running again.
void BackToRunning(core::RunRecord& run, int64_t now_ms) {
  run.state = core::RunState::kRunning;
  run.finished_at_ms.reset();
  run.exit_code.reset();
  run.error = nullptr;
  run.failure_reason.clear();
  run.heartbeat_at_ms = now_ms;
}

// Sets every periodic hook due one period after `now_ms` and next_periodic_at_ms to the
// earliest; clears it when the run has none.
void SchedulePeriodicHooks(core::RunRecord& run, int64_t now_ms) {
  run.next_periodic_at_ms.reset();
  auto every = run.hook_state.find("every");
  if (every == run.hook_state.end() || !every->is_object()) return;
  for (auto& [name, schedule] : every->items()) {
    const int64_t next = now_ms + schedule.value("period", int64_t{0});
    schedule["next"] = next;
    if (!run.next_periodic_at_ms || next < *run.next_periodic_at_ms) run.next_periodic_at_ms = next;
  }
}

}  // namespace

core::RunRecord NewRun(const CreateRunRequest& request, int64_t now_ms) {
  core::RunRecord run = request.run;
  run.state = core::RunState::kCreated;
  run.created_at_ms = now_ms;
  run.heartbeat_at_ms = now_ms;
  run.started_at_ms.reset();
  run.finished_at_ms.reset();
  run.exit_code.reset();
  run.error = nullptr;
  run.failure_reason.clear();
  run.summary = Json::object();
  run.last_step = -1;
  run.version = 0;
  run.resumed_count = 0;
  run.state_history = Json::array();
  run.hook_state = Json::object();
  PrepareHookState(run, request.hooks, now_ms);
  return run;
}

Result<RunChange> PlanStart(const core::RunRecord& current, int64_t now_ms) {
  RunChange change;
  change.run = current;
  if (current.state == core::RunState::kRunning) return change;
  core::RunRecord& run = change.run;
  change.changed = true;
  if (core::IsTerminal(current.state)) {
    BackToRunning(run, now_ms);
    run.resumed_count += 1;
    AddStateHistory(run, "resumed", now_ms);
    change.event = core::EventType::kResumed;
  } else {
    run.state = core::RunState::kRunning;
    run.started_at_ms = now_ms;
    run.heartbeat_at_ms = now_ms;
    change.event = core::EventType::kRunning;
  }
  SchedulePeriodicHooks(run, now_ms);
  return change;
}

bool RecoverFromCrash(core::RunRecord& run, int64_t now_ms) {
  if (run.state != core::RunState::kFailed || run.failure_reason != "crashed") return false;
  BackToRunning(run, now_ms);
  AddStateHistory(run, "recovered", now_ms);
  SchedulePeriodicHooks(run, now_ms);
  return true;
}

RunChange PlanCrash(const core::RunRecord& current, int64_t heartbeat_before_ms, int64_t now_ms) {
  RunChange change;
  change.run = current;
  if (current.state != core::RunState::kRunning || current.heartbeat_at_ms >= heartbeat_before_ms)
    return change;
  core::RunRecord& run = change.run;
  run.state = core::RunState::kFailed;
  run.finished_at_ms = now_ms;
  run.exit_code.reset();
  run.error = nullptr;
  run.failure_reason = "crashed";
  run.next_periodic_at_ms.reset();
  AddStateHistory(run, "crashed", now_ms);
  change.changed = true;
  change.event = core::EventType::kFailed;
  change.event_payload = Json{{"exit_code", nullptr}, {"reason", "crashed"}};
  return change;
}

void PrepareHookState(core::RunRecord& run, const std::vector<core::HookSpec>& hooks,
                      int64_t now_ms) {
  if (!run.hook_state.is_object()) run.hook_state = Json::object();
  bool conditional = false;
  Json every = Json::object();
  const Json previous = run.hook_state.value("every", Json::object());
  for (const auto& hook : hooks) {
    if (hook.disabled) continue;
    if (!hook.when.empty()) conditional = true;
    auto period = hooks::ParseEveryMillis(hook.every);
    if (!period || !*period) continue;  // validated before; a bad stored value is skipped
    Json schedule = previous.value(hook.name, Json::object());
    schedule["period"] = **period;
    every[hook.name] = std::move(schedule);
  }
  run.hook_state["conditional"] = conditional;
  run.hook_state["every"] = std::move(every);
  if (run.state == core::RunState::kRunning) {
    SchedulePeriodicHooks(run, now_ms);
  } else {
    run.next_periodic_at_ms.reset();
  }
}

RunChange PlanResume(const core::RunRecord& current, const CreateRunRequest& request,
                     const std::vector<core::HookSpec>& hooks) {
  RunChange change;
  change.run = current;
  change.changed = true;
  core::RunRecord& run = change.run;
  if (!run.config.is_object()) run.config = Json::object();
  for (const auto& [key, value] : request.run.config.items()) run.config[key] = value;
  PrepareHookState(run, hooks, run.heartbeat_at_ms);
  return change;
}

RunChange PlanAlert(const core::RunRecord& current, const AlertRequest& request, int64_t now_ms) {
  RunChange change;
  change.run = current;
  change.changed = true;
  Json& state = change.run.hook_state;
  if (!state.is_object()) state = Json::object();
  Json& alerts = state["alerts"];
  if (!alerts.is_object()) alerts = Json::object();
  if (auto last = alerts.find(request.title); last != alerts.end() && last->is_number_integer()) {
    const double since_seconds = static_cast<double>(now_ms - last->get<int64_t>()) / 1000.0;
    if (since_seconds < request.wait_seconds) {
      state["alerts_suppressed"] = state.value("alerts_suppressed", int64_t{0}) + 1;
      return change;
    }
  }
  alerts[request.title] = now_ms;
  const Json alert{{"title", request.title}, {"text", request.text}, {"level", request.level}};
  change.event = core::EventType::kAlert;
  change.event_payload = alert;
  change.extra_context = Json{{"alert", alert}};
  return change;
}

RunChange PlanPeriodic(const core::RunRecord& current, int64_t now_ms) {
  RunChange change;
  change.run = current;
  if (current.state != core::RunState::kRunning) return change;
  core::RunRecord& run = change.run;
  auto every = run.hook_state.find("every");
  if (every == run.hook_state.end() || !every->is_object()) return change;
  std::vector<std::string> due;
  run.next_periodic_at_ms.reset();
  for (auto& [name, schedule] : every->items()) {
    int64_t next = schedule.value("next", now_ms);
    if (next <= now_ms) {
      due.push_back(name);
      next = now_ms + schedule.value("period", int64_t{0});
      schedule["next"] = next;
    }
    if (!run.next_periodic_at_ms || next < *run.next_periodic_at_ms) run.next_periodic_at_ms = next;
  }
  change.changed = true;  // even with nothing due, the recomputed next time is written
  if (due.empty()) return change;
  change.event = core::EventType::kRunning;
  change.event_payload = Json{{"periodic", true}, {"hooks", due}};
  change.only_hooks = std::move(due);
  return change;
}

Result<RunChange> PlanFinish(const core::RunRecord& current, const FinishRequest& request,
                             int64_t now_ms) {
  RunChange change;
  change.run = current;
  core::RunRecord& run = change.run;
  RecoverFromCrash(run, now_ms);
  if (core::IsTerminal(run.state)) return change;
  const bool failed = request.exit_code != 0;
  run.state = failed ? core::RunState::kFailed : core::RunState::kFinished;
  run.finished_at_ms = now_ms;
  run.heartbeat_at_ms = now_ms;
  run.exit_code = request.exit_code;
  run.error = request.error;
  run.next_periodic_at_ms.reset();
  if (failed) {
    run.failure_reason = !request.reason.empty()    ? request.reason
                         : !request.error.is_null() ? "exception"
                                                    : "exit_code";
  } else {
    run.failure_reason.clear();
  }
  change.changed = true;
  change.event = failed ? core::EventType::kFailed : core::EventType::kFinished;
  change.event_payload = Json{{"exit_code", request.exit_code}};
  if (failed) change.event_payload["reason"] = run.failure_reason;
  return change;
}

Result<core::RunRecord> PlanHistory(const core::RunRecord& current,
                                    const std::vector<core::HistoryRow>& rows, int64_t now_ms) {
  core::RunRecord run = current;
  RecoverFromCrash(run, now_ms);
  if (core::IsTerminal(run.state)) return RunIsOver(run, "history can no longer be appended");
  ApplyRowsToSummary(run, rows);
  for (const auto& row : rows) run.last_step = std::max(run.last_step, row.step);
  run.heartbeat_at_ms = now_ms;
  return run;
}

RunChange PlanHeartbeat(const core::RunRecord& current, int64_t now_ms) {
  RunChange change;
  change.run = current;
  RecoverFromCrash(change.run, now_ms);
  if (core::IsTerminal(change.run.state)) return change;
  change.run.heartbeat_at_ms = now_ms;
  change.changed = true;
  return change;
}

}  // namespace runhook::server
