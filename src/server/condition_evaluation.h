// Evaluating the `when` conditions of a run's hooks as history arrives: row by row in step
// order, each row seeing the summary as it stood after that row, the row itself and a window of
// recent values. A hook fires each time its condition turns from false to true; the previous
// truth value per hook lives in run.hook_state["when"] (stored with the run, in the same
// transaction as the rows). Pure; thread-safe.
//
// The `run` variable a condition (and the firing delivery's templates) sees is the usual one
// (template_context.h) plus
//   run.history.last       the row's values, e.g. run.history.last.loss
//   run.history.last_step  the row's step
//   run.history.recent.K   the values of metric K in the run's last kRecentRows rows up to and
//                          including this one, oldest first, e.g. run.history.recent.loss[-10:]|max
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hook.h"
#include "core/json.h"
#include "core/run.h"

namespace runhook::server {

inline constexpr int64_t kRecentRows = 100;

struct ConditionFiring {
  std::string hook_name;
  int64_t step = 0;
  Json run_variable;  // the `run` the condition saw; the delivery renders with it
};

// `run`: the run after the batch (PlanHistory's result); its hook_state["when"] is updated.
// `before`: the run before the batch; its summary and summary rules (run_summary.h: values set
// explicitly, define_metric aggregates) are replayed row by row, so a condition sees the same
// summary the run page and the hook bodies show. `recent`: the stored rows before the batch,
// at most kRecentRows, in step order. `rows`: the batch. `run_variable`: RunTemplateVariable of
// `run`. Returns the firings in row order. A condition that fails to evaluate counts as false.
std::vector<ConditionFiring> EvaluateConditions(core::RunRecord& run, const core::RunRecord& before,
                                                const std::vector<core::HookSpec>& hooks,
                                                std::vector<core::HistoryRow> recent,
                                                const std::vector<core::HistoryRow>& rows,
                                                const Json& run_variable);

}  // namespace runhook::server
