// The pure state logic of a run: what a request does to a run and which event it fires.
// No store, no HTTP, no templates; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "core/run.h"
#include "core/run_state.h"
#include "server/request_parsing.h"

namespace runhook::server {

// The outcome of applying a request to a run.
struct RunChange {
  core::RunRecord run;                   // the run after the change (unchanged when !changed)
  bool changed = false;                  // false: nothing to write (a repeated request)
  std::optional<core::EventType> event;  // the event the change fires, if any
  Json event_payload = Json::object();
  // Set: only these hooks fire on the event, whatever their run_state (periodic `every` hooks).
  std::optional<std::vector<std::string>> only_hooks;
  // Merged into every delivery's template context (e.g. {"alert": {...}}).
  Json extra_context = Json::object();
};

// A new run in state created, created and beating at `now_ms`, its hook bookkeeping prepared
// for `request.hooks`. `request.run.key.id` and `request.run.name` must be filled in.
core::RunRecord NewRun(const CreateRunRequest& request, int64_t now_ms);

// created -> running fires `running`; running again changes nothing. A finished or failed run
// is resumed: it becomes running again (exit code, error, failure reason and finished_at
// cleared, resumed_count + 1, a "resumed" entry in state_history) and fires `resumed`.
// Periodic hooks are scheduled one period from now.
Result<RunChange> PlanStart(const core::RunRecord& current, int64_t now_ms);

// created or running -> finished (exit code 0) or failed (anything else), firing the event of
// the same name with payload {"exit_code", "reason"}. A run failed as `crashed` recovers first
// (see RecoverFromCrash) and then finishes normally. On a run otherwise finished or failed it
// changes nothing and fires nothing.
Result<RunChange> PlanFinish(const core::RunRecord& current, const FinishRequest& request,
                             int64_t now_ms);

// The run after appending `rows`: summary per run_summary.h (rows in order), last_step the
// highest step seen, heartbeat now; a crashed run recovers. Errors: kConflict on a run that is
// finished or failed for another reason than a crash.
Result<core::RunRecord> PlanHistory(const core::RunRecord& current,
                                    const std::vector<core::HistoryRow>& rows, int64_t now_ms);

// The run with its heartbeat at `now_ms` (a crashed run recovers); unchanged (changed = false)
// once it is otherwise over.
RunChange PlanHeartbeat(const core::RunRecord& current, int64_t now_ms);

// A running run whose heartbeat is older than `heartbeat_before_ms` becomes failed with reason
// `crashed` (a "crashed" entry in state_history) and fires `failed` with payload
// {"exit_code": null, "reason": "crashed"}. Any other run is unchanged (it beat in between).
RunChange PlanCrash(const core::RunRecord& current, int64_t heartbeat_before_ms, int64_t now_ms);

// When `run` is failed with reason `crashed`: makes it running again (exit code, error, reason
// and finished_at cleared, a "recovered" entry in state_history, periodic hooks rescheduled)
// and returns true. Fires nothing. Otherwise returns false.
bool RecoverFromCrash(core::RunRecord& run, int64_t now_ms);

// Resuming an existing run at create (resume = allow | must): the request's config keys are
// merged into the stored config (the request wins) and the hook bookkeeping covers `hooks`
// (the run's hooks after the merge). Fires nothing; the SDK's start fires `resumed`.
RunChange PlanResume(const core::RunRecord& current, const CreateRunRequest& request,
                     const std::vector<core::HookSpec>& hooks);

// Fills run.hook_state from `hooks`: "conditional" (some hook has `when`) and each `every`
// hook's period, keeping truth values and due times already there. Schedules periodic hooks
// from `now_ms` when the run is running.
void PrepareHookState(core::RunRecord& run, const std::vector<core::HookSpec>& hooks,
                      int64_t now_ms);

// An alert: fires `alert` (payload and extra context {"alert": {"title", "text", "level"}})
// unless an alert of the same title fired less than wait_duration ago, in which case only the
// run's suppressed-alert count grows (event unset). Always changed.
RunChange PlanAlert(const core::RunRecord& current, const AlertRequest& request, int64_t now_ms);

// Periodic hooks due at `now_ms` on a running run: fires `running` for just those hooks
// (only_hooks, payload {"periodic": true}) and schedules each one period after now. Unchanged
// when none is due or the run is not running.
RunChange PlanPeriodic(const core::RunRecord& current, int64_t now_ms);

}  // namespace runhook::server
