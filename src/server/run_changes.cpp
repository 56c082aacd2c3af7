#include "server/run_changes.h"

#include <algorithm>
#include <string>

namespace runhook::server {
namespace {

ErrorInfo RunIsOver(const core::RunRecord& run, const std::string& what) {
  return MakeError(ErrorCode::kConflict, "run '" + DescribeRun(run.key) + "' is already " +
                                             std::string(core::ToString(run.state)) + ": " + what);
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
  return run;
}

Result<RunChange> PlanStart(const core::RunRecord& current, int64_t now_ms) {
  RunChange change;
  change.run = current;
  if (current.state == core::RunState::kRunning) return change;
  if (core::IsTerminal(current.state))
    return RunIsOver(current, "it cannot be started again (resuming is not supported yet)");
  change.run.state = core::RunState::kRunning;
  change.run.started_at_ms = now_ms;
  change.run.heartbeat_at_ms = now_ms;
  change.changed = true;
  change.event = core::EventType::kRunning;
  return change;
}

Result<RunChange> PlanFinish(const core::RunRecord& current, const FinishRequest& request,
                             int64_t now_ms) {
  RunChange change;
  change.run = current;
  if (core::IsTerminal(current.state)) return change;
  const bool failed = request.exit_code != 0;
  core::RunRecord& run = change.run;
  run.state = failed ? core::RunState::kFailed : core::RunState::kFinished;
  run.finished_at_ms = now_ms;
  run.heartbeat_at_ms = now_ms;
  run.exit_code = request.exit_code;
  run.error = request.error;
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
  if (core::IsTerminal(current.state))
    return RunIsOver(current, "history can no longer be appended");
  core::RunRecord run = current;
  for (const auto& row : rows) {
    for (const auto& [key, value] : row.values.items()) run.summary[key] = value;
    run.last_step = std::max(run.last_step, row.step);
  }
  run.heartbeat_at_ms = now_ms;
  return run;
}

RunChange PlanHeartbeat(const core::RunRecord& current, int64_t now_ms) {
  RunChange change;
  change.run = current;
  if (core::IsTerminal(current.state)) return change;
  change.run.heartbeat_at_ms = now_ms;
  change.changed = true;
  return change;
}

}  // namespace runhook::server
