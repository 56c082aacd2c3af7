// RunService: carries out the API's state changes against the store. For each change it reads
// the run and its hooks, plans the change (run_changes.h), renders the deliveries of the event
// it fires (delivery_rendering.h) and commits the new run, the event and its deliveries in one
// store transaction (the transactional outbox). A concurrent update (kConflict) is retried from
// a fresh read a few times. After a commit that stored sendable deliveries it calls
// `on_deliveries_committed` (the dispatcher's Notify).
//
// Thread safety: all methods may be called from many threads at once; the service holds no
// mutable state of its own. `store` must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/hook.h"
#include "core/result.h"
#include "core/run.h"
#include "server/request_parsing.h"
#include "server/run_changes.h"
#include "store/store.h"

namespace runhook::server {

struct RunServiceOptions {
  std::string public_url;        // base of run.url, e.g. "http://127.0.0.1:5717"
  int default_max_attempts = 8;  // for hooks without max_attempts: the retry schedule's length
  int conflict_retries = 8;      // how often a change is re-planned after kConflict
  std::function<int64_t()> now;  // unix milliseconds; default core::NowUnixMillis
};

struct CreatedRun {
  core::RunRecord run;
  std::vector<core::HookSpec> hooks;  // as stored: named and validated
};

struct HistoryAck {
  std::string batch_id;
  int64_t last_step = -1;
};

class RunService {
 public:
  RunService(store::Store& store, RunServiceOptions options,
             std::function<void()> on_deliveries_committed);

  // Validates the hooks, generates id and name when absent, stores the run and its hooks and
  // fires `created`. Errors: kInvalidArgument (bad hook; nothing stored), kConflict (the id
  // exists in that project).
  Result<CreatedRun> CreateRun(CreateRunRequest request);

  // See PlanStart / PlanFinish / PlanHistory / PlanHeartbeat. Errors: kNotFound for an unknown
  // run, kConflict as the plan says, kUnavailable when concurrent updates kept winning.
  Result<core::RunRecord> StartRun(const core::RunKey& key);
  Result<core::RunRecord> FinishRun(const core::RunKey& key, const FinishRequest& request);
  Result<HistoryAck> AppendHistory(const core::RunKey& key, const HistoryBatch& batch);
  Result<core::RunRecord> Heartbeat(const core::RunKey& key);

  const std::string& public_url() const { return options_.public_url; }
  int64_t Now() const { return options_.now(); }

 private:
  using Planner = std::function<Result<RunChange>(const core::RunRecord&, int64_t)>;
  Result<core::RunRecord> ApplyChange(const core::RunKey& key, const Planner& plan);
  // The event `event_type` with the rendered deliveries of the hooks that fire on it.
  store::EventWrite MakeEvent(const core::RunRecord& run, const std::vector<core::HookSpec>& hooks,
                              std::string_view event_type, Json payload, int64_t now_ms) const;

  store::Store& store_;
  RunServiceOptions options_;
  std::function<void()> on_deliveries_committed_;
};

}  // namespace runhook::server
