// runhook::Run's changes after Init: config, summary values and metric definitions. Each is
// applied to the local view at once and queued to the shipping thread, which sends it after the
// rows logged before it (see sdk/shipper.h).
#include <cctype>
#include <cstdio>
#include <mutex>
#include <string>

#include "sdk/run_state.h"

namespace runhook {
namespace {

std::string Dump(const Json& body) {
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `text` percent-encoded for one path segment (all but A-Z a-z 0-9 - . _ ~).
std::string EncodePathSegment(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char character : text) {
    if (std::isalnum(character) || character == '-' || character == '.' || character == '_' ||
        character == '~') {
      encoded += static_cast<char>(character);
    } else {
      encoded += '%';
      encoded += kHex[character >> 4];
      encoded += kHex[character & 15];
    }
  }
  return encoded;
}

void WarnIgnoredAfterFinish(const char* what) {
  std::fprintf(stderr, "runhook: warning: ignoring %s after Finish\n", what);
}

}  // namespace

Json Run::Config() const {
  std::lock_guard lock(state_->updates_mutex);
  return state_->config;
}

Json Run::Summary() const {
  Json summary = state_->buffer.Summary();
  std::lock_guard lock(state_->updates_mutex);
  for (const auto& [key, value] : state_->summary_set.items()) summary[key] = value;
  return summary;
}

void Run::UpdateConfig(const Json& changes) {
  if (!changes.is_object())
    throw Error("Run::UpdateConfig expects a JSON object of config keys to values, got " +
                std::string(changes.type_name()));
  if (changes.empty()) return;
  std::lock_guard lock(state_->updates_mutex);  // held while queuing: changes stay in order
  if (!state_->shipper->Enqueue("/config", Dump(Json{{"config", changes}}), "PATCH"))
    return WarnIgnoredAfterFinish("UpdateConfig");
  if (!state_->config.is_object()) state_->config = Json::object();
  for (const auto& [key, value] : changes.items()) state_->config[key] = value;
}

void Run::SetSummary(const Json& values) {
  if (!values.is_object())
    throw Error("Run::SetSummary expects a JSON object of summary keys to values, got " +
                std::string(values.type_name()));
  if (values.empty()) return;
  std::lock_guard lock(state_->updates_mutex);
  if (!state_->shipper->Enqueue("/summary", Dump(Json{{"summary", values}}), "PATCH"))
    return WarnIgnoredAfterFinish("SetSummary");
  for (const auto& [key, value] : values.items()) state_->summary_set[key] = value;
}

void Run::DefineMetric(const std::string& name, const MetricDefinition& definition) {
  if (name.empty()) throw Error("Run::DefineMetric needs a non-empty metric name");
  const std::string& kind = definition.summary;
  if (kind != "min" && kind != "max" && kind != "mean" && kind != "last" && kind != "none")
    throw Error("Run::DefineMetric '" + name +
                "': summary must be min, max, mean, last or none, "
                "got '" +
                kind + "'");
  const Json body{
      {"summary", kind}, {"step_metric", definition.step_metric}, {"hidden", definition.hidden}};
  if (!state_->shipper->Enqueue("/metrics/" + EncodePathSegment(name), Dump(body), "PUT"))
    WarnIgnoredAfterFinish("DefineMetric");
}

}  // namespace runhook
