// RunService's changes after start: config updates, summary values and metric definitions.
#include <limits>
#include <utility>
#include <vector>

#include "server/run_service.h"

namespace runhook::server {
namespace {

// A change of `current` that is to be written.
RunChange Unsaved(const core::RunRecord& current) {
  RunChange change;
  change.run = current;
  change.changed = true;
  return change;
}

}  // namespace

Result<core::RunRecord> RunService::UpdateConfig(const core::RunKey& key, const Json& changes) {
  return RunOf(ApplyChange(key, [&changes](const core::RunRecord& current, int64_t) {
    RunChange change = Unsaved(current);
    ApplyConfigUpdate(change.run, changes);
    return Result<RunChange>(std::move(change));
  }));
}

Result<core::RunRecord> RunService::SetSummary(const core::RunKey& key, const Json& values) {
  return RunOf(ApplyChange(key, [&values](const core::RunRecord& current, int64_t) {
    RunChange change = Unsaved(current);
    ApplySummaryValues(change.run, values);
    return Result<RunChange>(std::move(change));
  }));
}

Result<core::RunRecord> RunService::DefineMetric(const core::RunKey& key, const std::string& name,
                                                 const MetricDefinition& definition) {
  return RunOf(ApplyChange(key, [&](const core::RunRecord& current, int64_t) -> Result<RunChange> {
    // Read inside the plan: a batch stored meanwhile bumps the version and replans.
    std::vector<core::HistoryRow> history;
    if (current.last_step >= 0 && definition.summary != "none") {
      auto rows = store_.GetHistory(current.key, 0, std::numeric_limits<int64_t>::max(), -1);
      if (!rows) return rows.error();
      history = std::move(rows).value();
    }
    RunChange change = Unsaved(current);
    ApplyMetricDefinition(change.run, name, definition, history);
    return change;
  }));
}

}  // namespace runhook::server
