// Run states, the events hooks listen to, and the legal transitions between states.
//
// created -> running -> finished | failed. A finished or failed run may be resumed (a later
// issue), which makes it running again. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace runhook::core {

enum class RunState { kCreated, kRunning, kFinished, kFailed };

// Event types a hook can listen to with `run_state`. `resumed` and `alert` are events, not
// states: a resumed run is in state running.
enum class EventType { kCreated, kRunning, kResumed, kFinished, kFailed, kAlert };

std::string_view ToString(RunState state);
std::string_view ToString(EventType event);
std::optional<RunState> ParseRunState(std::string_view text);
std::optional<EventType> ParseEventType(std::string_view text);

// The comma-separated list of event names, for error messages ("created, running, ...").
std::string_view EventTypeNames();

// True when a run in `from` may move to `to`. Moving to the same state is not a transition.
bool IsLegalTransition(RunState from, RunState to);

// True for finished and failed.
bool IsTerminal(RunState state);

}  // namespace runhook::core
