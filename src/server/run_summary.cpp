#include "server/run_summary.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace runhook::server {
namespace {

ErrorInfo FieldError(const std::string& field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, "field '" + field + "': " + what);
}

bool IsSummaryKind(const std::string& kind) {
  return kind == "min" || kind == "max" || kind == "mean" || kind == "last" || kind == "none";
}

// Makes summary_state an object with the objects "set", "metrics" and "aggregates". All are
// created before any is referenced: adding a top-level key moves the others (ordered_json).
void PrepareSummaryState(core::RunRecord& run) {
  if (!run.summary_state.is_object()) run.summary_state = Json::object();
  for (const char* field : {"set", "metrics", "aggregates"})
    if (!run.summary_state[field].is_object()) run.summary_state[field] = Json::object();
}

// Folds `value` logged for the defined metric `name` into its aggregate and its summary.
// REQUIRES: `aggregates` is run.summary_state["aggregates"].
void FoldDefinedValue(core::RunRecord& run, Json& aggregates, const std::string& name,
                      const std::string& kind, const Json& value) {
  if (kind == "none") {
    run.summary.erase(name);
    return;
  }
  if (kind == "last") {
    run.summary[name] = value;
    return;
  }
  if (!value.is_number()) return;  // min, max and mean are over numbers only
  const double number = value.get<double>();
  Json& aggregate = aggregates[name];
  if (!aggregate.is_object() || !aggregate.contains("count")) {
    aggregate = Json{{"min", value}, {"max", value}, {"sum", number}, {"count", 1}};
  } else {
    if (number < aggregate["min"].get<double>()) aggregate["min"] = value;
    if (number > aggregate["max"].get<double>()) aggregate["max"] = value;
    aggregate["sum"] = aggregate["sum"].get<double>() + number;
    aggregate["count"] = aggregate["count"].get<int64_t>() + 1;
  }
  if (kind == "mean")
    run.summary[name] = aggregate["sum"].get<double>() / aggregate["count"].get<double>();
  else
    run.summary[name] = aggregate[kind];
}

// True when no key is set explicitly nor defined: every logged value goes to the summary as is.
bool HasPlainSummary(const core::RunRecord& run) {
  return !run.summary_state.is_object() ||
         (!run.summary_state.contains("set") && !run.summary_state.contains("metrics"));
}

}  // namespace

Result<MetricDefinition> ParseMetricDefinition(const std::string& name, const Json& body) {
  if (name.empty() || name.size() > 1024)
    return MakeError(ErrorCode::kInvalidArgument, "metric name must be 1 to 1024 characters");
  MetricDefinition definition;
  if (auto it = body.find("summary"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || !IsSummaryKind(it->get<std::string>()))
      return FieldError("summary", "must be one of min, max, mean, last, none, got " + it->dump());
    definition.summary = it->get<std::string>();
  }
  if (auto it = body.find("step_metric"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return FieldError("step_metric", "must be a string");
    definition.step_metric = it->get<std::string>();
  }
  if (auto it = body.find("hidden"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return FieldError("hidden", "must be true or false");
    definition.hidden = it->get<bool>();
  }
  return definition;
}

Result<Json> ParseObjectField(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null())
    return FieldError(field, "is required (an object of keys to values)");
  if (!it->is_object())
    return FieldError(field,
                      "must be an object of keys to values, got " + std::string(it->type_name()));
  return *it;
}

void ApplyRowToSummary(core::RunRecord& run, const core::HistoryRow& row) {
  if (HasPlainSummary(run)) {
    for (const auto& [key, value] : row.values.items()) run.summary[key] = value;
    return;
  }
  PrepareSummaryState(run);
  Json& aggregates = run.summary_state["aggregates"];
  const Json& set = run.summary_state["set"];
  const Json& metrics = run.summary_state["metrics"];
  for (const auto& [key, value] : row.values.items()) {
    if (set.contains(key)) continue;
    if (auto metric = metrics.find(key); metric != metrics.end()) {
      FoldDefinedValue(run, aggregates, key, metric->value("summary", "last"), value);
      continue;
    }
    run.summary[key] = value;
  }
}

void ApplyRowsToSummary(core::RunRecord& run, const std::vector<core::HistoryRow>& rows) {
  const bool plain = HasPlainSummary(run);
  const bool objects = std::all_of(
      rows.begin(), rows.end(), [](const core::HistoryRow& row) { return row.values.is_object(); });
  if (!plain || !objects || rows.size() < 2) {
    for (const auto& row : rows) ApplyRowToSummary(run, row);
    return;
  }
  // Plain summary: each key ends at its last value, and a key new to the summary is added where
  // the rows first name it. So each key is written once, in the order first seen, with its last
  // value. A row's key is first compared with the key at the same position of the previous row
  // (rows usually repeat their keys), then looked up.
  struct LastValue {
    std::string_view key;
    const Json* value;
  };
  std::vector<LastValue> last_values;                     // in the order first seen
  std::unordered_map<std::string_view, size_t> index_of;  // into last_values
  std::vector<size_t> index_by_position;                  // the previous row's keys' indexes
  for (const auto& row : rows) {
    size_t position = 0;
    for (const auto& [key, value] : row.values.get_ref<const Json::object_t&>()) {
      const size_t at = position++;
      if (at < index_by_position.size() && last_values[index_by_position[at]].key == key) {
        last_values[index_by_position[at]].value = &value;
        continue;
      }
      auto [entry, inserted] = index_of.try_emplace(key, last_values.size());
      if (inserted) last_values.push_back(LastValue{key, &value});
      last_values[entry->second].value = &value;
      if (at >= index_by_position.size()) index_by_position.resize(at + 1);
      index_by_position[at] = entry->second;
    }
  }
  for (const LastValue& last : last_values) run.summary[std::string(last.key)] = *last.value;
}

void ApplyConfigUpdate(core::RunRecord& run, const Json& changes) {
  if (!run.config.is_object()) run.config = Json::object();
  for (const auto& [key, value] : changes.items()) run.config[key] = value;
}

void ApplySummaryValues(core::RunRecord& run, const Json& values) {
  PrepareSummaryState(run);
  Json& set = run.summary_state["set"];
  for (const auto& [key, value] : values.items()) {
    run.summary[key] = value;
    set[key] = true;
  }
}

void ApplyMetricDefinition(core::RunRecord& run, const std::string& name,
                           const MetricDefinition& definition,
                           const std::vector<core::HistoryRow>& history) {
  PrepareSummaryState(run);
  Json& aggregates = run.summary_state["aggregates"];
  run.summary_state["metrics"][name] = Json{{"summary", definition.summary},
                                            {"step_metric", definition.step_metric},
                                            {"hidden", definition.hidden}};
  aggregates.erase(name);
  if (run.summary_state["set"].contains(name)) return;  // an explicit value stays
  run.summary.erase(name);
  for (const auto& row : history)
    if (auto value = row.values.find(name); value != row.values.end())
      FoldDefinedValue(run, aggregates, name, definition.summary, *value);
}

}  // namespace runhook::server
