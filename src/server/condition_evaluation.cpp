#include "server/condition_evaluation.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "hooks/condition.h"
#include "server/run_summary.h"

namespace runhook::server {
namespace {

struct CompiledHook {
  std::string name;
  hooks::Condition condition;
  bool uses_recent;
};

Json RecentValues(const std::deque<const core::HistoryRow*>& window) {
  Json recent = Json::object();
  for (const core::HistoryRow* row : window) {
    for (const auto& [key, value] : row->values.items()) {
      Json& list = recent[key];
      if (!list.is_array()) list = Json::array();
      list.push_back(value);
    }
  }
  return recent;
}

}  // namespace

std::vector<ConditionFiring> EvaluateConditions(core::RunRecord& run, const core::RunRecord& before,
                                                const std::vector<core::HookSpec>& hooks,
                                                std::vector<core::HistoryRow> recent,
                                                const std::vector<core::HistoryRow>& rows,
                                                const Json& run_variable) {
  std::vector<ConditionFiring> firings;
  std::vector<CompiledHook> compiled;
  for (const auto& hook : hooks) {
    if (hook.when.empty() || hook.disabled) continue;
    auto condition = hooks::Condition::Compile(hook.when);
    if (!condition) continue;  // validated when stored; a bad stored condition never fires
    compiled.push_back(CompiledHook{hook.name, std::move(condition).value(),
                                    hook.when.find("recent") != std::string::npos});
  }
  if (compiled.empty()) return firings;
  Json& truth = run.hook_state["when"];
  if (!truth.is_object()) truth = Json::object();

  std::vector<const core::HistoryRow*> ordered;
  for (const auto& row : rows) ordered.push_back(&row);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* left, const auto* right) { return left->step < right->step; });
  std::deque<const core::HistoryRow*> window;
  for (const auto& row : recent) window.push_back(&row);
  const bool any_recent = std::any_of(compiled.begin(), compiled.end(),
                                      [](const CompiledHook& hook) { return hook.uses_recent; });

  core::RunRecord summary_run;  // only summary and summary_state are used
  summary_run.summary = before.summary.is_object() ? before.summary : Json::object();
  summary_run.summary_state = before.summary_state;
  Json context = Json{{"run", run_variable}};
  for (const core::HistoryRow* row : ordered) {
    ApplyRowToSummary(summary_run, *row);
    window.push_back(row);
    while (window.size() > static_cast<size_t>(kRecentRows)) window.pop_front();
    Json& variable = context["run"];
    variable["summary"] = summary_run.summary;
    variable["history"] = Json{{"last", row->values}, {"last_step", row->step}};
    if (any_recent) variable["history"]["recent"] = RecentValues(window);
    for (const CompiledHook& hook : compiled) {
      auto value = hook.condition.Evaluate(context);
      const bool now_true = value && *value;
      const bool was_true = truth.value(hook.name, false);
      truth[hook.name] = now_true;
      if (now_true && !was_true) firings.push_back(ConditionFiring{hook.name, row->step, variable});
    }
  }
  return firings;
}

}  // namespace runhook::server
