// RunService: carries out the API's state changes against the store. For each change it reads
// the run and its hooks, plans the change (run_changes.h), renders the deliveries of the event
// it fires (delivery_rendering.h) and commits the new run, the event and its deliveries in one
// store transaction (the transactional outbox). A concurrent update (kConflict) is retried from
// a fresh read a few times. After a commit that stored sendable deliveries it calls
// `on_deliveries_committed` (the dispatcher's Notify).
//
// Thread safety: all methods may be called from many threads at once; the service's only
// mutable state is its cache of the hooks' compiled templates (thread-safe, shared by every
// event, so an event does not compile its hooks' templates again). `store` must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/hook.h"
#include "core/result.h"
#include "core/run.h"
#include "server/delivery_queries.h"
#include "server/delivery_rendering.h"
#include "server/request_parsing.h"
#include "server/run_changes.h"
#include "server/run_summary.h"
#include "store/store.h"
#include "template/template_cache.h"

namespace runhook::server {

struct RunServiceOptions {
  std::string public_url;        // base of run.url, e.g. "http://127.0.0.1:5717"
  int default_max_attempts = 8;  // for hooks without max_attempts: the retry schedule's length
  int conflict_retries = 8;      // how often a change is re-planned after kConflict
  std::function<int64_t()> now;  // unix milliseconds; default core::NowUnixMillis
  // Called after a commit that may have moved a periodic hook's due time earlier (the lifecycle
  // monitor's Wake). May be empty.
  std::function<void()> on_schedule_changed{};
};

struct CreatedRun {
  core::RunRecord run;
  std::vector<core::HookSpec> hooks;  // as stored: named and validated (all, after a resume)
  bool resumed = false;               // an existing run was resumed (nothing created)
};

struct AlertOutcome {
  bool fired = false;               // false: suppressed by wait_duration
  std::optional<int64_t> event_id;  // the stored `alert` event when fired
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
  // fires `created`. With resume "allow" or "must" and an existing id it resumes instead (see
  // PlanResume; the request's hooks are added, replacing stored ones of the same name; nothing
  // fires). Errors: kInvalidArgument (bad hook; nothing stored), kConflict (the id exists and
  // resume is "never" or absent), kNotFound (resume "must" and no such run).
  Result<CreatedRun> CreateRun(CreateRunRequest request);

  // See PlanStart / PlanFinish / PlanHistory / PlanHeartbeat. Errors: kNotFound for an unknown
  // run, kConflict as the plan says, kUnavailable when concurrent updates kept winning.
  Result<core::RunRecord> StartRun(const core::RunKey& key);
  Result<core::RunRecord> FinishRun(const core::RunKey& key, const FinishRequest& request);
  Result<HistoryAck> AppendHistory(const core::RunKey& key, const HistoryBatch& batch);
  Result<core::RunRecord> Heartbeat(const core::RunKey& key);

  // Changes after start (run_updates.cpp; rules in run_summary.h), accepted in any state; they
  // fire nothing, and hooks rendered later see them. UpdateConfig replaces top-level config
  // keys, SetSummary sets summary keys explicitly, DefineMetric (re)defines how metric `name`
  // is summarized, from the history already stored. Errors: kNotFound, kUnavailable.
  Result<core::RunRecord> UpdateConfig(const core::RunKey& key, const Json& changes);
  Result<core::RunRecord> SetSummary(const core::RunKey& key, const Json& values);
  Result<core::RunRecord> DefineMetric(const core::RunKey& key, const std::string& name,
                                       const MetricDefinition& definition);

  // The run lifecycle (run_lifecycle.cpp).
  // POST RUN/alert: see PlanAlert. Errors: kNotFound.
  Result<AlertOutcome> Alert(const core::RunKey& key, const AlertRequest& request);
  // The crash detector: fails the run as crashed when it is still running with its heartbeat
  // before `heartbeat_before_ms` (PlanCrash); another server may have done it first.
  Result<core::RunRecord> MarkCrashed(const core::RunKey& key, int64_t heartbeat_before_ms);
  // Sends the run's periodic hooks that are due now (PlanPeriodic).
  Result<core::RunRecord> SendPeriodicHooks(const core::RunKey& key);

  // Deliveries made by hand (delivery_actions.cpp). Redeliver: Store::Redeliver now, reads the
  // delivery and its attempts as they stand (pending, the new attempt not made yet), then wakes
  // the dispatcher; the answer is read before the wake so it cannot race the new attempt.
  // Errors: as Store::Redeliver.
  Result<DeliveryWithAttempts> Redeliver(int64_t delivery_id);
  // Renders hook `hook_name` against the run as it stands now, as event "test" (whatever the
  // hook's events, even when disabled), stores it as one test delivery with a single attempt
  // in an event "test" that leaves the run unchanged, and wakes the dispatcher. Returns the
  // stored delivery (failed when rendering failed). Errors: kNotFound naming the run or hook.
  Result<core::Delivery> TestHook(const core::RunKey& key, const std::string& hook_name);

  const std::string& public_url() const { return options_.public_url; }
  int64_t Now() const { return options_.now(); }

 private:
  using Planner = std::function<Result<RunChange>(const core::RunRecord&, int64_t)>;
  // Reads, plans, renders the event and commits, retrying on kConflict. Returns the change as
  // committed (its run carrying the new version).
  Result<RunChange> ApplyChange(const core::RunKey& key, const Planner& plan);
  static Result<core::RunRecord> RunOf(Result<RunChange> change);  // the committed run
  // CreateRun's resume path for an existing run. Errors: kNotFound when it does not exist.
  Result<CreatedRun> ResumeExisting(const CreateRunRequest& request);
  // The `when` events a history batch causes (condition_evaluation.h), updating `planned`.
  Result<std::vector<store::EventWrite>> ConditionEvents(const core::RunRecord& current,
                                                         core::RunRecord& planned,
                                                         const std::vector<core::HistoryRow>& rows,
                                                         int64_t now_ms);
  void NotifyScheduleChanged(const core::RunRecord& run) const;
  // The event `event_type` with the rendered deliveries of the hooks that fire on it.
  // `extra_context` is merged into each delivery's template context.
  store::EventWrite MakeEvent(const core::RunRecord& run, const std::vector<core::HookSpec>& hooks,
                              std::string_view event_type, Json payload, int64_t now_ms,
                              Json extra_context = Json::object()) const;
  // The render settings, with the stored secrets when `with_secrets`. When they cannot be read,
  // `secrets_problem` says why (and the settings hold none).
  RenderSettings MakeRenderSettings(bool with_secrets, std::string& secrets_problem) const;

  store::Store& store_;
  RunServiceOptions options_;
  std::function<void()> on_deliveries_committed_;
  // Compiled url, header and body templates by source text (RenderSettings::templates).
  mutable templating::TemplateCache templates_;
};

}  // namespace runhook::server
