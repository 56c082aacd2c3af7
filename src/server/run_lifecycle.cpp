// RunService: the run lifecycle beyond create/start/history/finish: resuming, `when`
// conditions, alerts, crash detection and periodic hooks. See run_service.h.
#include <algorithm>
#include <utility>

#include "server/condition_evaluation.h"
#include "server/run_service.h"
#include "server/template_context.h"

namespace runhook::server {
namespace {

// The run's hooks after a resume: `added` replace stored hooks of the same name, the rest are
// appended in order.
std::vector<core::HookSpec> MergeHooks(std::vector<core::HookSpec> stored,
                                       const std::vector<core::HookSpec>& added) {
  for (const auto& hook : added) {
    auto same = std::find_if(stored.begin(), stored.end(),
                             [&](const core::HookSpec& item) { return item.name == hook.name; });
    if (same != stored.end()) {
      *same = hook;
    } else {
      stored.push_back(hook);
    }
  }
  return stored;
}

}  // namespace

void RunService::NotifyScheduleChanged(const core::RunRecord& run) const {
  if (run.next_periodic_at_ms && options_.on_schedule_changed) options_.on_schedule_changed();
}

Result<CreatedRun> RunService::ResumeExisting(const CreateRunRequest& request) {
  const core::RunKey& key = request.run.key;
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    auto current = store_.GetRun(key);
    if (!current) return current.error();  // kNotFound: the caller decides
    auto stored_hooks = store_.GetHooks(key);
    if (!stored_hooks) return NameRunIfNotFound(stored_hooks.error(), key);
    std::vector<core::HookSpec> hooks = MergeHooks(std::move(stored_hooks).value(), request.hooks);
    RunChange change = PlanResume(*current, request, hooks);
    Status stored = store_.ResumeRun(change.run, request.hooks);
    if (stored) {
      NotifyScheduleChanged(change.run);
      change.run.version = current->version + 1;
      return CreatedRun{std::move(change.run), std::move(hooks), /*resumed=*/true};
    }
    if (stored.error().code != ErrorCode::kConflict) return NameRunIfNotFound(stored.error(), key);
  }
  return MakeError(ErrorCode::kUnavailable,
                   "run '" + DescribeRun(key) + "' was changed concurrently too often; try again");
}

Result<std::vector<store::EventWrite>> RunService::ConditionEvents(
    const core::RunRecord& current, core::RunRecord& planned,
    const std::vector<core::HistoryRow>& rows, int64_t now_ms) {
  auto hooks = store_.GetHooks(current.key);
  if (!hooks) return NameRunIfNotFound(hooks.error(), current.key);
  const bool uses_recent = std::any_of(hooks->begin(), hooks->end(), [](const auto& hook) {
    return hook.when.find("recent") != std::string::npos;
  });
  std::vector<core::HistoryRow> recent;
  if (uses_recent) {
    auto tail = store_.GetLastHistory(current.key, kRecentRows);
    if (!tail) return NameRunIfNotFound(tail.error(), current.key);
    recent = std::move(tail).value();
  }
  const Json run_variable = RunTemplateVariable(planned, options_.public_url, now_ms);
  std::vector<ConditionFiring> firings =
      EvaluateConditions(planned, current, *hooks, std::move(recent), rows, run_variable);
  std::vector<store::EventWrite> events;
  for (auto& firing : firings) {
    auto hook = std::find_if(hooks->begin(), hooks->end(),
                             [&](const auto& item) { return item.name == firing.hook_name; });
    core::HookSpec firing_hook = *hook;
    firing_hook.run_states = {"when"};
    events.push_back(MakeEvent(planned, {firing_hook}, "when",
                               Json{{"hook", firing.hook_name}, {"step", firing.step}}, now_ms,
                               Json{{"run", std::move(firing.run_variable)}}));
  }
  return events;
}

Result<AlertOutcome> RunService::Alert(const core::RunKey& key, const AlertRequest& request) {
  auto change = ApplyChange(key, [&request](const core::RunRecord& run, int64_t now_ms) {
    return Result<RunChange>(PlanAlert(run, request, now_ms));
  });
  if (!change) return change.error();
  AlertOutcome outcome;
  outcome.fired = change->event.has_value();
  if (!outcome.fired) return outcome;
  auto events = store_.ListEvents(key);
  if (!events) return NameRunIfNotFound(events.error(), key);
  for (auto event = events->rbegin(); event != events->rend(); ++event) {
    if (event->type == "alert" && event->payload.value("title", "") == request.title) {
      outcome.event_id = event->id;
      break;
    }
  }
  return outcome;
}

Result<core::RunRecord> RunService::MarkCrashed(const core::RunKey& key,
                                                int64_t heartbeat_before_ms) {
  return RunOf(ApplyChange(key, [heartbeat_before_ms](const core::RunRecord& run, int64_t now_ms) {
    return Result<RunChange>(PlanCrash(run, heartbeat_before_ms, now_ms));
  }));
}

Result<core::RunRecord> RunService::SendPeriodicHooks(const core::RunKey& key) {
  return RunOf(ApplyChange(key, [](const core::RunRecord& run, int64_t now_ms) {
    return Result<RunChange>(PlanPeriodic(run, now_ms));
  }));
}

}  // namespace runhook::server
