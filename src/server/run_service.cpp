#include "server/run_service.h"

#include <algorithm>
#include <utility>

#include "core/clock.h"
#include "core/ids.h"
#include "core/run_state.h"
#include "hooks/hook_validation.h"
#include "server/condition_evaluation.h"
#include "server/template_context.h"

namespace runhook::server {
namespace {

constexpr int kGeneratedIdAttempts = 5;

ErrorInfo KeptConflicting(const core::RunKey& key) {
  return MakeError(ErrorCode::kUnavailable,
                   "run '" + DescribeRun(key) + "' was changed concurrently too often; try again");
}

// True when at least one of the event's deliveries will be sent (no render error).
bool HasSendable(const store::EventWrite& event) {
  for (const auto& draft : event.deliveries)
    if (draft.render_error.empty()) return true;
  return false;
}

}  // namespace

RunService::RunService(store::Store& store, RunServiceOptions options,
                       std::function<void()> on_deliveries_committed)
    : store_(store),
      options_(std::move(options)),
      on_deliveries_committed_(std::move(on_deliveries_committed)) {
  if (!options_.now) options_.now = core::NowUnixMillis;
  if (options_.conflict_retries < 1) options_.conflict_retries = 1;
}

store::EventWrite RunService::MakeEvent(const core::RunRecord& run,
                                        const std::vector<core::HookSpec>& hooks,
                                        std::string_view event_type, Json payload, int64_t now_ms,
                                        Json extra_context) const {
  store::EventWrite event;
  event.type = std::string(event_type);
  event.timestamp_ms = now_ms;
  event.payload = std::move(payload);
  const bool with_secrets = std::any_of(hooks.begin(), hooks.end(), [&](const auto& hook) {
    return HookFiresOn(hook, event_type) && MentionsSecrets(hook);
  });
  std::string secrets_problem;
  RenderSettings settings = MakeRenderSettings(with_secrets, secrets_problem);
  settings.extra_context = std::move(extra_context);
  event.deliveries = RenderDeliveries(run, hooks, event_type, now_ms, settings);
  if (!secrets_problem.empty()) {
    for (auto& draft : event.deliveries) {
      auto hook = std::find_if(hooks.begin(), hooks.end(),
                               [&](const auto& item) { return item.name == draft.hook_name; });
      if (hook != hooks.end() && MentionsSecrets(*hook) && draft.render_error.empty())
        draft.render_error = secrets_problem;
    }
  }
  return event;
}

RenderSettings RunService::MakeRenderSettings(bool with_secrets,
                                              std::string& secrets_problem) const {
  RenderSettings settings{options_.public_url, options_.default_max_attempts};
  settings.templates = &templates_;
  if (!with_secrets) return settings;
  auto secrets = store_.GetSecretValues();
  if (secrets)
    settings.secrets = std::move(secrets.value());
  else
    secrets_problem = "the stored secrets could not be read: " + secrets.error().message;
  return settings;
}

Result<CreatedRun> RunService::CreateRun(CreateRunRequest request) {
  if (auto status = hooks::ValidateHooks(request.hooks); !status) return status.error();
  const bool id_given = !request.run.key.id.empty();
  const bool may_resume = request.resume == "allow" || request.resume == "must";
  if (id_given && may_resume) {
    auto resumed = ResumeExisting(request);
    if (resumed || resumed.error().code != ErrorCode::kNotFound) return resumed;
    if (request.resume == "must")
      return MakeError(ErrorCode::kNotFound, "run " + DescribeRun(request.run.key) +
                                                 " does not exist; resume=\"must\" needs an "
                                                 "existing run");
  }
  if (request.run.name.empty()) request.run.name = core::GenerateRunName();
  for (int attempt = 0; attempt < kGeneratedIdAttempts; ++attempt) {
    if (!id_given) request.run.key.id = core::GenerateRunId();
    const int64_t now_ms = Now();
    core::RunRecord run = NewRun(request, now_ms);
    store::EventWrite event = MakeEvent(
        run, request.hooks, core::ToString(core::EventType::kCreated), Json::object(), now_ms);
    Status stored = store_.CreateRun(run, request.hooks, &event);
    if (stored) {
      if (HasSendable(event) && on_deliveries_committed_) on_deliveries_committed_();
      return CreatedRun{std::move(run), std::move(request.hooks)};
    }
    if (stored.error().code != ErrorCode::kConflict) return stored.error();
    if (id_given && may_resume) return ResumeExisting(request);  // created meanwhile
    if (id_given)
      return MakeError(ErrorCode::kConflict,
                       "run " + DescribeRun(run.key) +
                           " already exists; pass resume=\"allow\" or \"must\" to resume it "
                           "(or choose another id, or leave it out to get one)");
  }
  return MakeError(ErrorCode::kUnavailable, "could not find a free run id; try again");
}

Result<RunChange> RunService::ApplyChange(const core::RunKey& key, const Planner& plan) {
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    auto current = store_.GetRun(key);
    if (!current) return NameRunIfNotFound(current.error(), key);
    const int64_t now_ms = Now();
    auto change = plan(*current, now_ms);
    if (!change) return change.error();
    if (!change->changed) return change;

    std::optional<store::EventWrite> event;
    if (change->event) {
      auto hooks = store_.GetHooks(key);
      if (!hooks) return NameRunIfNotFound(hooks.error(), key);
      const std::string_view event_type = core::ToString(*change->event);
      if (change->only_hooks) {  // just these hooks fire, whatever their run_state
        std::vector<core::HookSpec> firing;
        for (auto hook : *hooks) {
          if (std::find(change->only_hooks->begin(), change->only_hooks->end(), hook.name) ==
              change->only_hooks->end())
            continue;
          hook.run_states = {std::string(event_type)};
          firing.push_back(std::move(hook));
        }
        *hooks = std::move(firing);
      }
      event = MakeEvent(change->run, *hooks, event_type, change->event_payload, now_ms,
                        change->extra_context);
    }
    Status stored = store_.UpdateRun(change->run, event ? &*event : nullptr);
    if (stored) {
      if (event && HasSendable(*event) && on_deliveries_committed_) on_deliveries_committed_();
      if (change->run.next_periodic_at_ms != current->next_periodic_at_ms)
        NotifyScheduleChanged(change->run);
      change->run.version = current->version + 1;
      return change;
    }
    if (stored.error().code != ErrorCode::kConflict) return NameRunIfNotFound(stored.error(), key);
  }
  return KeptConflicting(key);
}

Result<core::RunRecord> RunService::RunOf(Result<RunChange> change) {
  if (!change) return change.error();
  return std::move(change->run);
}

Result<core::RunRecord> RunService::StartRun(const core::RunKey& key) {
  return RunOf(ApplyChange(
      key, [](const core::RunRecord& run, int64_t now_ms) { return PlanStart(run, now_ms); }));
}

Result<core::RunRecord> RunService::FinishRun(const core::RunKey& key,
                                              const FinishRequest& request) {
  return RunOf(ApplyChange(key, [&request](const core::RunRecord& run, int64_t now_ms) {
    return PlanFinish(run, request, now_ms);
  }));
}

Result<core::RunRecord> RunService::Heartbeat(const core::RunKey& key) {
  return RunOf(
      ApplyChange(key, [](const core::RunRecord& run, int64_t now_ms) -> Result<RunChange> {
        return PlanHeartbeat(run, now_ms);
      }));
}

Result<HistoryAck> RunService::AppendHistory(const core::RunKey& key, const HistoryBatch& batch) {
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    auto current = store_.GetRun(key);
    if (!current) return NameRunIfNotFound(current.error(), key);
    const int64_t now_ms = Now();
    auto planned = PlanHistory(*current, batch.rows, now_ms);
    if (!planned) return planned.error();
    std::vector<store::EventWrite> events;
    if (planned->hook_state.value("conditional", false)) {
      auto conditions = ConditionEvents(*current, *planned, batch.rows, now_ms);
      if (!conditions) return conditions.error();
      events = std::move(conditions).value();
    }
    Status stored = store_.AppendHistory(*planned, batch.batch_id, batch.rows, events);
    if (stored) {
      const bool sendable = std::any_of(events.begin(), events.end(), HasSendable);
      if (sendable && on_deliveries_committed_) on_deliveries_committed_();
      if (current->state != planned->state) NotifyScheduleChanged(*planned);  // recovered
      return HistoryAck{batch.batch_id, planned->last_step};
    }
    if (stored.error().code != ErrorCode::kConflict) return NameRunIfNotFound(stored.error(), key);
  }
  return KeptConflicting(key);
}

}  // namespace runhook::server
