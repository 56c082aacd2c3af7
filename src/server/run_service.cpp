#include "server/run_service.h"

#include <utility>

#include "core/clock.h"
#include "core/ids.h"
#include "core/run_state.h"
#include "server/delivery_rendering.h"
#include "server/hook_validation.h"

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
                                        std::string_view event_type, Json payload,
                                        int64_t now_ms) const {
  store::EventWrite event;
  event.type = std::string(event_type);
  event.timestamp_ms = now_ms;
  event.payload = std::move(payload);
  event.deliveries =
      RenderDeliveries(run, hooks, event_type, now_ms,
                       RenderSettings{options_.public_url, options_.default_max_attempts});
  return event;
}

Result<CreatedRun> RunService::CreateRun(CreateRunRequest request) {
  if (auto status = ValidateHooks(request.hooks); !status) return status.error();
  const bool id_given = !request.run.key.id.empty();
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
    if (id_given)
      return MakeError(ErrorCode::kConflict,
                       "run '" + DescribeRun(run.key) +
                           "' already exists (choose another id, or leave it out to get one)");
  }
  return MakeError(ErrorCode::kUnavailable, "could not find a free run id; try again");
}

Result<core::RunRecord> RunService::ApplyChange(const core::RunKey& key, const Planner& plan) {
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    auto current = store_.GetRun(key);
    if (!current) return NameRunIfNotFound(current.error(), key);
    const int64_t now_ms = Now();
    auto change = plan(*current, now_ms);
    if (!change) return change.error();
    if (!change->changed) return std::move(change->run);

    std::optional<store::EventWrite> event;
    if (change->event) {
      auto hooks = store_.GetHooks(key);
      if (!hooks) return NameRunIfNotFound(hooks.error(), key);
      event = MakeEvent(change->run, *hooks, core::ToString(*change->event), change->event_payload,
                        now_ms);
    }
    Status stored = store_.UpdateRun(change->run, event ? &*event : nullptr);
    if (stored) {
      if (event && HasSendable(*event) && on_deliveries_committed_) on_deliveries_committed_();
      change->run.version = current->version + 1;
      return std::move(change->run);
    }
    if (stored.error().code != ErrorCode::kConflict) return NameRunIfNotFound(stored.error(), key);
  }
  return KeptConflicting(key);
}

Result<core::RunRecord> RunService::StartRun(const core::RunKey& key) {
  return ApplyChange(
      key, [](const core::RunRecord& run, int64_t now_ms) { return PlanStart(run, now_ms); });
}

Result<core::RunRecord> RunService::FinishRun(const core::RunKey& key,
                                              const FinishRequest& request) {
  return ApplyChange(key, [&request](const core::RunRecord& run, int64_t now_ms) {
    return PlanFinish(run, request, now_ms);
  });
}

Result<core::RunRecord> RunService::Heartbeat(const core::RunKey& key) {
  return ApplyChange(key, [](const core::RunRecord& run, int64_t now_ms) -> Result<RunChange> {
    return PlanHeartbeat(run, now_ms);
  });
}

Result<HistoryAck> RunService::AppendHistory(const core::RunKey& key, const HistoryBatch& batch) {
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    auto current = store_.GetRun(key);
    if (!current) return NameRunIfNotFound(current.error(), key);
    auto planned = PlanHistory(*current, batch.rows, Now());
    if (!planned) return planned.error();
    Status stored = store_.AppendHistory(*planned, batch.batch_id, batch.rows);
    if (stored) return HistoryAck{batch.batch_id, planned->last_step};
    if (stored.error().code != ErrorCode::kConflict) return NameRunIfNotFound(stored.error(), key);
  }
  return KeptConflicting(key);
}

}  // namespace runhook::server
