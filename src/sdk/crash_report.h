// Best-effort report of a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) as
// failed/crashed, sent from inside the signal handler.
//
// Everything that is not async-signal-safe happens when a run is armed (at Init): the server's
// address is resolved and the request line and headers are prepared in a fixed slot. The handler
// only formats the body into a stack buffer and uses socket, connect, poll, write, read and close,
// each bounded by a short timeout. Only http:// servers are reported to (no TLS in a handler);
// for others the server's heartbeat timeout marks the run crashed instead.
//
// Thread safety: ArmCrashReport and DisarmCrashReport may be called from any thread;
// SendCrashReports from a signal handler. A slot is claimed by one atomic exchange, so a run is
// reported at most once, and never after DisarmCrashReport returned.
#pragma once

#include <string>

namespace runhook::sdk {

// Prepares a report of POST `finish_path` to `server_url`; returns the slot, or -1 when the run
// cannot be reported from a handler (https, unresolvable host, every slot in use).
int ArmCrashReport(const std::string& server_url, const std::string& finish_path,
                   const std::string& api_key);

// Frees the slot (the run has reported its own final state). Ignores -1.
void DisarmCrashReport(int slot);

// Async-signal-safe. Sends {"exit_code": 128 + signal_number, "reason": "crashed", "error":
// {"type": "SIGSEGV", "message": ...}} for every armed slot, waiting at most about two seconds
// per report, and disarms them.
void SendCrashReports(int signal_number);

}  // namespace runhook::sdk
