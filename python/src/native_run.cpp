#include "native_run.h"

#include <pybind11/stl.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "value_conversion.h"

namespace py = pybind11;

namespace runhook::python {

namespace {

// Init installs the SDK's SIGINT handler (mark runs killed, then end the process by the signal).
// Python turns SIGINT into KeyboardInterrupt, which scripts catch and runhook reports as killed
// from sys.excepthook, so Python's handler is put back. SIGTERM stays with the SDK: its thread
// reports the run even while the main thread is busy in native code.
class KeepSigintHandler {
 public:
  KeepSigintHandler() { sigaction(SIGINT, nullptr, &saved_); }
  ~KeepSigintHandler() { sigaction(SIGINT, &saved_, nullptr); }

 private:
  struct sigaction saved_ {};
};

AlertLevel AlertLevelFromName(const std::string& level) {
  if (level == "INFO") return AlertLevel::kInfo;
  if (level == "WARN") return AlertLevel::kWarn;
  if (level == "ERROR") return AlertLevel::kError;
  throw py::value_error("runhook.alert: level must be INFO, WARN or ERROR, got '" + level + "'");
}

}  // namespace

NativeRun::NativeRun(Options options) {
  KeepSigintHandler keep_sigint;
  py::gil_scoped_release release;
  run_.emplace(Init(std::move(options)));
}

NativeRun::~NativeRun() {
  if (!run_) return;
  py::gil_scoped_release release;  // ~Run finishes an unfinished run, which waits
  run_.reset();
}

void NativeRun::Log(py::handle data, py::handle step, py::handle commit) {
  if (finished_)
    throw Error("runhook.log: the run has finished; call runhook.init() for a new one");
  bool commit_now = commit.is_none() ? step.is_none() : PyObject_IsTrue(commit.ptr()) == 1;
  if (!step.is_none()) {
    if (!PyLong_Check(step.ptr()) || PyBool_Check(step.ptr()))
      throw py::type_error("runhook.log: step must be an int, got " +
                           std::string(Py_TYPE(step.ptr())->tp_name));
    const int64_t requested = step.cast<int64_t>();
    if (requested < step_) {
      if (!warned_step_) {
        warned_step_ = true;
        PyErr_WarnFormat(PyExc_UserWarning, 2,
                         "runhook.log: step %lld is less than the current step %lld; steps must "
                         "increase, so this data is ignored (warned once)",
                         static_cast<long long>(requested), static_cast<long long>(step_));
      }
      return;
    }
    step_ = requested;
  }
  DictToJsonObject(data, "runhook.log", scratch_);
  if (!scratch_.empty()) run_->Log(scratch_, step_);
  if (commit_now) ++step_;
}

void NativeRun::Alert(const std::string& title, const std::string& text, const std::string& level,
                      double wait_seconds) {
  if (finished_) throw Error("runhook.alert: the run has finished");
  run_->Alert(title, text, AlertLevelFromName(level), std::chrono::duration<double>(wait_seconds));
}

void NativeRun::Finish(int exit_code) {
  if (finished_) return;
  finished_ = true;
  py::gil_scoped_release release;
  run_->Finish(exit_code);
}

void NativeRun::Fail(int exit_code, const std::string& reason, const std::string& type,
                     const std::string& message, const std::string& traceback) {
  if (finished_) return;
  finished_ = true;
  py::gil_scoped_release release;
  run_->Fail(Failure{.reason = reason, .type = type, .message = message, .traceback = traceback},
             exit_code);
}

void NativeRun::UpdateConfig(py::handle changes) {
  if (finished_) throw Error("runhook: config cannot change after the run has finished");
  Json object = Json::object();
  DictToJsonObject(changes, "config.update", object);
  run_->UpdateConfig(object);
}

void NativeRun::SetSummary(py::handle values) {
  if (finished_) throw Error("runhook: summary cannot change after the run has finished");
  Json object = Json::object();
  DictToJsonObject(values, "summary.update", object);
  run_->SetSummary(object);
}

void NativeRun::DefineMetric(const std::string& name, const std::string& summary,
                             const std::string& step_metric, bool hidden) {
  if (finished_) throw Error("runhook.define_metric: the run has finished");
  if (summary != "min" && summary != "max" && summary != "mean" && summary != "last" &&
      summary != "none")
    throw py::value_error(
        "runhook.define_metric: summary must be min, max, mean, last or none, "
        "got '" +
        summary + "'");
  run_->DefineMetric(
      name, MetricDefinition{.summary = summary, .step_metric = step_metric, .hidden = hidden});
}

py::object NativeRun::Summary() const { return FromJson(run_->Summary()); }
py::object NativeRun::Config() const { return FromJson(run_->Config()); }

namespace {

Options OptionsFromArguments(const std::string& project, const std::string& entity,
                             const std::string& name, const std::string& id,
                             const std::string& resume, const std::string& job_type,
                             const std::string& group, const std::vector<std::string>& tags,
                             const std::string& notes, py::handle config, py::list hooks,
                             const std::string& server_url, bool quiet, double finish_timeout) {
  Options options;
  if (!project.empty()) options.project = project;
  options.entity = entity;
  options.name = name;
  options.id = id;
  options.resume = resume;
  options.job_type = job_type;
  options.group = group;
  options.tags = tags;
  options.notes = notes;
  if (!config.is_none()) options.config = ToJson(config, "runhook.init config");
  if (!options.config.is_object())
    throw py::type_error("runhook.init: config must be a dict, got " +
                         std::string(Py_TYPE(config.ptr())->tp_name));
  for (py::handle fields : hooks) options.hooks.push_back(HookFromDict(fields));
  options.server_url = server_url;
  options.quiet = quiet;
  options.finish_timeout = std::chrono::milliseconds(static_cast<int64_t>(finish_timeout * 1000));
  return options;
}

}  // namespace

void BindRun(py::module_& module) {
  // What this build's SDK offers, for the Python layer to check (see runhook/_session.py).
  module.attr("features") = py::make_tuple("resume", "alert", "fail", "update_config",
                                           "set_summary", "define_metric", "mode");
  py::class_<NativeRun>(module, "NativeRun",
                        "A run registered with the server (runhook.Run wraps it).")
      .def_property_readonly(
          "log", [](py::object self) { return MakeLogFunction(self, self.cast<NativeRun&>()); },
          "log(data, step=None, commit=None): logs a dict of metrics with wandb's step and "
          "commit rules; never waits on the network (a raw CPython function, see fast_log.cpp).")
      .def("_log", &NativeRun::Log, py::arg("data"), py::arg("step") = py::none(),
           py::arg("commit") = py::none(),
           "log's general path: nested values, numpy scalars, warnings and errors.")
      .def("update_config", &NativeRun::UpdateConfig, py::arg("changes"),
           "Merges a dict into the config (top-level keys replaced); queued, never waits.")
      .def("set_summary", &NativeRun::SetSummary, py::arg("values"),
           "Sets summary values explicitly (they win over logged values); queued, never waits.")
      .def("define_metric", &NativeRun::DefineMetric, py::arg("name"), py::arg("summary") = "last",
           py::arg("step_metric") = "", py::arg("hidden") = false,
           "Defines how a metric is summarized (min, max, mean, last, none); queued.")
      .def("finish", &NativeRun::Finish, py::arg("exit_code") = 0,
           "Flushes, records finished (0) or failed and waits (bounded) for the server.")
      .def("fail", &NativeRun::Fail, py::arg("exit_code"), py::arg("reason"), py::arg("type"),
           py::arg("message"), py::arg("traceback"),
           "Records the run as failed with a reason (exception, killed) and the error's type, "
           "message and traceback tail; waits (bounded) for the server.")
      .def("alert", &NativeRun::Alert, py::arg("title"), py::arg("text") = "",
           py::arg("level") = "INFO", py::arg("wait_seconds") = 0.0,
           "Fires the run's `alert` hooks; queued to the background thread, never waits.")
      .def("summary", &NativeRun::Summary, "The last value logged per key, as a dict.")
      .def("config", &NativeRun::Config, "The config given at init with later updates, as a dict.")
      .def_property_readonly("step", &NativeRun::step)
      .def_property_readonly("finished", &NativeRun::finished)
      .def_property_readonly("id", [](const NativeRun& run) { return run.run().Id(); })
      .def_property_readonly("name", [](const NativeRun& run) { return run.run().Name(); })
      .def_property_readonly("entity", [](const NativeRun& run) { return run.run().Entity(); })
      .def_property_readonly("project", [](const NativeRun& run) { return run.run().Project(); })
      .def_property_readonly("url", [](const NativeRun& run) { return run.run().Url(); });

  module.def(
      "init",
      [](const std::string& project, const std::string& entity, const std::string& name,
         const std::string& id, const std::string& resume, const std::string& job_type,
         const std::string& group, const std::vector<std::string>& tags, const std::string& notes,
         py::handle config, py::list hooks, const std::string& server_url, bool quiet,
         double finish_timeout, const std::string& mode) {
        Options options =
            OptionsFromArguments(project, entity, name, id, resume, job_type, group, tags, notes,
                                 config, hooks, server_url, quiet, finish_timeout);
        options.mode = mode;  // "online", "offline", "disabled"; "": $RUNHOOK_MODE
        return std::make_unique<NativeRun>(std::move(options));
      },
      py::kw_only(), py::arg("project") = "", py::arg("entity") = "", py::arg("name") = "",
      py::arg("id") = "", py::arg("resume") = "", py::arg("job_type") = "", py::arg("group") = "",
      py::arg("tags") = std::vector<std::string>{}, py::arg("notes") = "",
      py::arg("config") = py::none(), py::arg("hooks") = py::list(), py::arg("server_url") = "",
      py::arg("quiet") = false, py::arg("finish_timeout") = 10.0, py::arg("mode") = "",
      "Validates the hooks, registers the run and starts shipping (waits without the GIL).");
}

}  // namespace runhook::python
