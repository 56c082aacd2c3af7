#include "core/run_state.h"

#include <array>
#include <utility>

namespace runhook::core {
namespace {
constexpr std::array<std::pair<RunState, std::string_view>, 4> kStateNames = {{
    {RunState::kCreated, "created"},
    {RunState::kRunning, "running"},
    {RunState::kFinished, "finished"},
    {RunState::kFailed, "failed"},
}};
constexpr std::array<std::pair<EventType, std::string_view>, 6> kEventNames = {{
    {EventType::kCreated, "created"},
    {EventType::kRunning, "running"},
    {EventType::kResumed, "resumed"},
    {EventType::kFinished, "finished"},
    {EventType::kFailed, "failed"},
    {EventType::kAlert, "alert"},
}};
}  // namespace

std::string_view ToString(RunState state) {
  for (const auto& [value, name] : kStateNames)
    if (value == state) return name;
  return "unknown";
}

std::string_view ToString(EventType event) {
  for (const auto& [value, name] : kEventNames)
    if (value == event) return name;
  return "unknown";
}

std::optional<RunState> ParseRunState(std::string_view text) {
  for (const auto& [value, name] : kStateNames)
    if (name == text) return value;
  return std::nullopt;
}

std::optional<EventType> ParseEventType(std::string_view text) {
  for (const auto& [value, name] : kEventNames)
    if (name == text) return value;
  return std::nullopt;
}

std::string_view EventTypeNames() { return "created, running, resumed, finished, failed, alert"; }

bool IsTerminal(RunState state) {
  return state == RunState::kFinished || state == RunState::kFailed;
}

bool IsLegalTransition(RunState from, RunState to) {
  switch (from) {
    case RunState::kCreated:
      return to == RunState::kRunning || to == RunState::kFinished || to == RunState::kFailed;
    case RunState::kRunning:
      return to == RunState::kFinished || to == RunState::kFailed;
    case RunState::kFinished:
    case RunState::kFailed:
      return to == RunState::kRunning;  // resume
  }
  return false;
}

}  // namespace runhook::core
