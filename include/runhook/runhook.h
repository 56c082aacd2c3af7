// runhook C++ SDK: track a training run and declare webhooks the runhook server sends.
//
//   #include <runhook/runhook.h>
//   auto run = runhook::Init({.project = "webhook-demo", .config = {{"epochs", 3}},
//                             .hooks = {runhook::Hook{.run_state = {"finished"},
//                                                     .url = "https://example.com/recv",
//                                                     .body = R"({"run_id": "{{run.id}}"})"}}});
//   run.Log({{"loss", 0.25}, {"epoch", 1}});
//   run.Finish();
//
// Init validates every hook (states, method, URL, template syntax) before anything reaches the
// server, registers the run, and starts a background thread that ships logged values. Log never
// waits on the network. Finish flushes, waits (bounded) for the server to record the final state
// and returns; sending the webhooks is then the server's job.
//
// A run that does not end with Finish() still ends on the server: a Run destroyed normally is
// finished (exit code 0); one destroyed while an exception unwinds the stack is failed with reason
// `exception` and the exception's type and what(); std::terminate, SIGINT and SIGTERM (reason
// `killed`; the process still ends by the signal) and fatal signals (reason `crashed`, best
// effort) report every live run as failed. To do this the SDK installs a terminate handler and
// signal handlers at the first Init, chaining to the ones installed before, and records the last
// exception thrown per thread (see src/sdk/failure_handlers.h and src/sdk/exception_capture.h).
//
// Errors at this API are thrown as runhook::Error with a message that names what was wrong.
// Thread safety: a Run may be used from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace runhook {

// Nested JSON with insertion order kept and integers kept apart from floats.
using Json = nlohmann::ordered_json;

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A webhook: when the run reaches one of `run_state`, the server sends `method url` with `body`.
// `url`, `body` and header values are Jinja2 templates over the run ({{ run.id }},
// {{ run.summary.loss }}, {{ run.url }}, ...).
struct Hook {
  std::vector<std::string> run_state;  // created, running, resumed, finished, failed, alert
  std::string url;
  std::string method = "POST";  // GET, POST, PUT, PATCH, DELETE
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string name;       // default "hook-N"
  double timeout = 15.0;  // seconds per attempt
  std::optional<int> max_attempts;
  std::string secret;
  std::string when;
  std::string every;
  bool strict = false;  // undefined template names fail the delivery
};

struct Options {
  std::string project = "uncategorized";
  std::string entity;  // default: $RUNHOOK_ENTITY, else the OS user name
  std::string name;    // default: generated, e.g. "bright-river-12"
  std::string id;      // default: 8 random lowercase alphanumerics
  // What to do when a run with `id` exists, as wandb defines it: "never" (or empty, the
  // default: Init throws), "allow" (resume it, else create it), "must" (resume it; Init throws
  // when it does not exist). A resumed run keeps its config (merged with `config`), summary and
  // history, continues its steps after the last one stored, and fires `resumed`.
  std::string resume;
  std::string job_type;
  std::string group;
  std::vector<std::string> tags;
  std::string notes;
  Json config = Json::object();
  std::vector<Hook> hooks;
  std::string server_url;  // default: $RUNHOOK_URL, else http://127.0.0.1:5717
  std::chrono::milliseconds finish_timeout{10'000};  // how long Finish waits for the server
  bool quiet = false;                                // no line on stdout at Init
  // "online" (talk to the server), "offline" (contact no server: record everything in the run
  // directory, $RUNHOOK_DIR or the user's data directory + /runs/<entity>/<project>/<id>, for
  // `runhook sync DIR` to upload later) or "disabled" (every call is a cheap no-op; Config() and
  // Summary() still answer locally). Empty: $RUNHOOK_MODE, else "online".
  std::string mode;
};

// One logged value: a number (integers and floats stay distinct), a bool, or a string.
class LogValue {
 public:
  LogValue(double value) : value_(value) {}                           // NOLINT
  LogValue(float value) : value_(static_cast<double>(value)) {}       // NOLINT
  LogValue(int value) : value_(static_cast<int64_t>(value)) {}        // NOLINT
  LogValue(long value) : value_(static_cast<int64_t>(value)) {}       // NOLINT
  LogValue(long long value) : value_(static_cast<int64_t>(value)) {}  // NOLINT
  LogValue(unsigned value) : value_(static_cast<int64_t>(value)) {}   // NOLINT
  LogValue(bool value) : value_(value) {}                             // NOLINT
  LogValue(const char* value) : value_(std::string(value)) {}         // NOLINT
  LogValue(std::string value) : value_(std::move(value)) {}           // NOLINT
  const std::variant<bool, int64_t, double, std::string>& get() const { return value_; }

 private:
  std::variant<bool, int64_t, double, std::string> value_;
};

enum class AlertLevel { kInfo, kWarn, kError };

// How a metric is summarized (wandb's define_metric): `summary` is "min", "max" or "mean" (that
// aggregate over the numbers logged for it), "last" (the last value logged, the default) or
// "none" (left out of the summary). `step_metric` and `hidden` are recorded for the UI.
struct MetricDefinition {
  std::string summary = "last";
  std::string step_metric;
  bool hidden = false;
};

// How a run failed, for Run::Fail: what a language binding (or a C++ program that catches its
// own errors) reports. `reason` is "exception", "killed", "crashed" or "exit_code"; the rest
// appear in hook templates as run.error.type, run.error.message and run.error.traceback.
struct Failure {
  std::string reason = "exception";
  std::string type;
  std::string message;
  std::string traceback;  // the last lines of a traceback, if any
};

namespace detail {
class RunState;
struct RunAccess;  // SDK-internal entry points for language bindings (src/sdk/run_access.h)
}  // namespace detail

class Run {
 public:
  Run(Run&&) noexcept;
  Run& operator=(Run&&) noexcept;
  // Finishes the run (exit code 0) if Finish was not called.
  ~Run();

  // Records `values` at `step` (default: the step after the last one logged). Appends to an
  // in-memory batch; never waits on the network. Keys are metric names.
  void Log(std::initializer_list<std::pair<std::string_view, LogValue>> values,
           std::optional<int64_t> step = std::nullopt);
  // The same for a JSON object (nested values allowed).
  void Log(const Json& values, std::optional<int64_t> step = std::nullopt);

  // The config given at Init with the changes of UpdateConfig (a copy: safe across threads).
  Json Config() const;
  // The last value logged per key, overridden by the values given to SetSummary.
  Json Summary() const;

  // Merges `changes` (a JSON object) into the config: top-level keys are replaced, as wandb's
  // config.update does. Sent to the server (PATCH RUN/config) by the background thread after
  // the rows logged before; never waits on the network. Throws Error when `changes` is not an
  // object; ignored with a warning after Finish.
  void UpdateConfig(const Json& changes);
  // Sets summary values explicitly (wandb's run.summary[key] = value): the server keeps them
  // for those keys whatever is logged later. Queued like UpdateConfig (PATCH RUN/summary).
  void SetSummary(const Json& values);
  // Defines how metric `name` is summarized on the server (PUT RUN/metrics/{name}), also for
  // values logged before. Queued like UpdateConfig. Throws Error for an empty name or an unknown
  // summary kind.
  void DefineMetric(const std::string& name, const MetricDefinition& definition = {});

  const std::string& Id() const;
  const std::string& Name() const;
  const std::string& Entity() const;
  const std::string& Project() const;
  const std::string& Url() const;

  // Flushes logged values, records the final state (finished for 0, failed otherwise) and waits
  // up to Options::finish_timeout for the server to confirm. Idempotent. Never throws on network
  // trouble: it prints one line saying what could not be confirmed.
  void Finish(int exit_code = 0);

  // Like Finish, but records the run as failed with `failure`'s reason and error details.
  // `exit_code` should be non-zero (0 is recorded as 1). Idempotent together with Finish.
  void Fail(const Failure& failure, int exit_code = 1);

  // Records an `alert` event (wandb's run.alert): hooks with run_state "alert" get alert.title,
  // alert.text and alert.level. The server drops an alert whose title was fired for this run less
  // than `wait_duration` ago. Never waits on the network: the alert is queued to the background
  // thread and sent after the rows logged before it. Throws Error for an empty title or a
  // negative wait_duration; ignored with a warning after Finish.
  void Alert(const std::string& title, const std::string& text = "",
             AlertLevel level = AlertLevel::kInfo,
             std::chrono::duration<double> wait_duration = std::chrono::seconds(0));

 private:
  friend Run Init(Options options);
  friend struct detail::RunAccess;
  explicit Run(std::unique_ptr<detail::RunState> state);
  void FinishAfterException();
  std::unique_ptr<detail::RunState> state_;
};

// Validates the hooks, registers the run with the server, fires `running`, and prints one line
// with the run's name and URL. Throws runhook::Error on a bad hook (naming the hook, the field
// and line:column) or when the server cannot be reached or refuses the run.
Run Init(Options options);

}  // namespace runhook
