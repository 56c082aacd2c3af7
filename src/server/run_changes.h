// The pure state logic of a run: what a request does to a run and which event it fires.
// No store, no HTTP, no templates; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
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
};

// A new run in state created, created and beating at `now_ms`. `request.run.key.id` and
// `request.run.name` must be filled in.
core::RunRecord NewRun(const CreateRunRequest& request, int64_t now_ms);

// created -> running fires `running`; running again changes nothing.
// Errors: kConflict on a finished or failed run (resume is not supported yet).
Result<RunChange> PlanStart(const core::RunRecord& current, int64_t now_ms);

// created or running -> finished (exit code 0) or failed (anything else), firing the event of
// the same name with payload {"exit_code", "reason"}. On a run already finished or failed it
// changes nothing and fires nothing.
Result<RunChange> PlanFinish(const core::RunRecord& current, const FinishRequest& request,
                             int64_t now_ms);

// The run after appending `rows`: summary = last value per key (rows in order), last_step the
// highest step seen, heartbeat now. Errors: kConflict on a finished or failed run.
Result<core::RunRecord> PlanHistory(const core::RunRecord& current,
                                    const std::vector<core::HistoryRow>& rows, int64_t now_ms);

// The run with its heartbeat at `now_ms`; unchanged (changed = false) once it is over.
RunChange PlanHeartbeat(const core::RunRecord& current, int64_t now_ms);

}  // namespace runhook::server
