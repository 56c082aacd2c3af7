// The summary rules of a run and the changes made after it started: config updates, summary
// values set explicitly, and metric definitions (wandb's define_metric). Pure functions over
// core::RunRecord; no store, no HTTP. Thread-safe.
//
// The summary keeps, per key: a value set explicitly (RUN/summary) if there is one, which later
// logged values do not change; else, for a metric defined with summary "min", "max" or "mean",
// that aggregate over every numeric value logged for it (non-numbers are skipped); "none"
// leaves the key out; "last" (the default) the last logged value. run.summary_state holds the
// bookkeeping (see core/run.h).
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "core/run.h"

namespace runhook::server {

// PUT RUN/metrics/{name}: {"summary": "min"|"max"|"mean"|"last"|"none", "step_metric": "...",
// "hidden": false}; every field optional (summary defaults to "last").
struct MetricDefinition {
  std::string summary = "last";
  std::string step_metric;
  bool hidden = false;
};
Result<MetricDefinition> ParseMetricDefinition(const std::string& name, const Json& body);

// PATCH RUN/config {"config": {...}} and PATCH RUN/summary {"summary": {...}}: the object under
// `field`, which must be present and a JSON object. Errors name the field.
Result<Json> ParseObjectField(const Json& body, const char* field);

// Applies one history row to run.summary under the rules above.
void ApplyRowToSummary(core::RunRecord& run, const core::HistoryRow& row);

// Applies history rows (in order) to run.summary under the rules above.
void ApplyRowsToSummary(core::RunRecord& run, const std::vector<core::HistoryRow>& rows);

// Top-level keys of `changes` replace the run's config keys (wandb's config.update).
void ApplyConfigUpdate(core::RunRecord& run, const Json& changes);

// Sets summary keys explicitly; later logged values no longer change them.
void ApplySummaryValues(core::RunRecord& run, const Json& values);

// Defines metric `name`. `history` is every stored row of the run in step order (or just those
// with `name`): a min/max/mean summary starts from the values already logged.
void ApplyMetricDefinition(core::RunRecord& run, const std::string& name,
                           const MetricDefinition& definition,
                           const std::vector<core::HistoryRow>& history);

}  // namespace runhook::server
