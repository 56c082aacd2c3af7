// Process-wide reporting of the ways a process can end a run without Run::Finish:
//
// - std::terminate (an exception nobody caught, a throwing noexcept function, ...): a terminate
//   handler finishes every watched run as failed/exception, with the type and what() of the
//   current exception if there is one, each bounded by the run's finish_timeout, then calls the
//   terminate handler that was installed before (by default std::abort).
// - SIGINT and SIGTERM: the handler only writes the signal number to a self-pipe. A background
//   thread ("runhook-signals") reads it, flushes and finishes every watched run as failed/killed
//   (exit code 128 + signal), restores the action that was installed before the SDK's (the
//   default, normally) and re-raises the signal, so the process still ends by it. A second
//   signal while that is in progress restores the previous action and re-raises at once.
//   A signal that was ignored (SIG_IGN) when the first run started stays ignored. In a child made
//   by fork() the handlers only pass signals on.
// - SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: best effort from the handler itself with
//   async-signal-safe calls only (sdk/crash_report.h), then the previous action and a re-raise.
//
// The handlers are installed once, when the first run is watched, and stay installed; with no
// run watched they only pass the signal on. These are the SDK's only process-wide state.
//
// Thread safety: WatchRun and UnwatchRun may be called from any thread. Lock order: the registry
// lock, then a run's finish_mutex; never the other way (Run::Finish releases its finish_mutex
// before it calls UnwatchRun).
#pragma once

namespace runhook::detail {
class RunState;
}

namespace runhook::sdk {

// Reports `run` on terminate or signal until UnwatchRun. `run` must stay alive until then.
void WatchRun(detail::RunState& run);

// After return no handler touches `run`. Waits while a handler is finishing it.
void UnwatchRun(detail::RunState& run);

}  // namespace runhook::sdk
