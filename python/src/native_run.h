// NativeRun: a runhook::Run as Python sees it, with wandb's step and commit rules for log().
//
// wandb's rules: `step` is the step the next values go to (0 at first). log(data) adds `data` at
// `step` and commits (step + 1). log(data, commit=False) adds without committing, so later calls
// merge into the same row. log(data, step=N) with N > step moves to N and, unless commit=True,
// does not commit; N == step merges; N < step is ignored with a warning (wandb's "steps must
// increase"). Each call hands the SDK an explicit step, whose LogBuffer merges equal steps.
//
// Thread safety: every method runs with the GIL held, which guards `step_`, `scratch_` and
// `pairs_`; the methods that wait on the SDK (construction, Finish, destruction) release the GIL
// while waiting.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runhook/runhook.h"

namespace runhook::python {

class NativeRun {
 public:
  explicit NativeRun(Options options);
  ~NativeRun();
  NativeRun(const NativeRun&) = delete;
  NativeRun& operator=(const NativeRun&) = delete;

  // Raises TypeError naming the key of a value it cannot store; never waits on the network.
  void Log(pybind11::handle data, pybind11::handle step, pybind11::handle commit);
  // Log's fast path (fast_log.cpp) for an exact dict of str keys to float, int, bool or str
  // values, a step that does not go back and a bool or None commit. Returns false, having
  // changed nothing and with no Python error set, when Log must handle the call instead.
  bool TryLogFast(PyObject* data, PyObject* step, PyObject* commit);
  // Run::UpdateConfig, Run::SetSummary and Run::DefineMetric for Python values (dicts with str
  // keys; TypeError naming the key otherwise). Queued; never wait on the network.
  void UpdateConfig(pybind11::handle changes);
  void SetSummary(pybind11::handle values);
  void DefineMetric(const std::string& name, const std::string& summary,
                    const std::string& step_metric, bool hidden);
  // Queues an alert (level "INFO", "WARN" or "ERROR"); raises ValueError for another level.
  void Alert(const std::string& title, const std::string& text, const std::string& level,
             double wait_seconds);
  // Flushes and records the final state; waits without the GIL. Idempotent.
  void Finish(int exit_code);
  // Records failed with `reason` and the error's details; waits without the GIL. Idempotent.
  void Fail(int exit_code, const std::string& reason, const std::string& type,
            const std::string& message, const std::string& traceback);

  pybind11::object Summary() const;
  pybind11::object Config() const;
  int64_t step() const { return step_; }
  bool finished() const { return finished_; }
  const Run& run() const { return *run_; }

 private:
  std::optional<Run> run_;
  int64_t step_ = 0;
  bool finished_ = false;
  bool warned_step_ = false;
  Json scratch_ = Json::object();                             // reused by Log to keep its capacity
  std::vector<std::pair<std::string_view, LogValue>> pairs_;  // reused by TryLogFast
};

}  // namespace runhook::python
