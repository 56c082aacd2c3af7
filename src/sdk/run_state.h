// What a runhook::Run holds: the run's identity, its log buffer and its shipper.
//
// Created by Init, owned by Run through a unique_ptr. The identity fields are immutable after
// Init, so reading them needs no lock; config and summary_set are guarded by updates_mutex; the
// buffer and the shipper are thread-safe; finishing is serialized by finish_mutex (timed, so that a
// signal or terminate handler waiting for a Finish in progress gives up after finish_timeout).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "runhook/runhook.h"
#include "sdk/log_buffer.h"
#include "sdk/shipper.h"
#include "sdk/timed_mutex.h"

namespace runhook::detail {

class RunState {
 public:
  explicit RunState(size_t batch_rows) : buffer(batch_rows) {}

  std::string id;
  std::string name;
  std::string entity;
  std::string project;
  std::string url;
  std::string server_url;
  std::string run_path;         // "/api/v1/runs/<entity>/<project>/<id>"
  std::string mode = "online";  // "online", "offline" or "disabled" (init_modes.h)
  std::string directory;        // the run directory (spool); empty when disabled
  std::chrono::milliseconds finish_timeout{0};

  // Changed after Init by Run::UpdateConfig and Run::SetSummary (run_updates.cpp), which hold
  // updates_mutex while queuing to the shipper (lock order: updates_mutex, then the shipper's).
  mutable std::mutex updates_mutex;
  Json config;                        // guarded by updates_mutex
  Json summary_set = Json::object();  // guarded by updates_mutex: SetSummary's values

  sdk::LogBuffer buffer;  // declared before shipper, which borrows it
  std::unique_ptr<sdk::Shipper> shipper;

  int uncaught_exceptions_at_init = 0;  // std::uncaught_exceptions() when Init ran
  int crash_slot = -1;                  // sdk/crash_report.h slot; -1 when not armed

  sdk::TimedMutex finish_mutex;
  bool finished = false;  // guarded by finish_mutex
};

// How a run ends, as POSTed to RUN/finish.
struct FinishReport {
  int exit_code = 0;
  std::string reason;    // "" for exit code 0, else exit_code, exception, killed or crashed
  Json error = nullptr;  // null, or {"type", "message", "traceback"}
};

// Flushes the logged rows, records the final state with the server and waits for it, at most
// state.finish_timeout in all (plus the wait for a Finish already in progress on another thread).
// Only the first call per run does anything. Prints one line when the server could not confirm.
// Does not stop watching the run for signals (see sdk/failure_handlers.h); Run::Finish does.
void FinishRun(RunState& state, const FinishReport& report);

}  // namespace runhook::detail
