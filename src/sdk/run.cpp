// runhook::Run: logging, accessors and finishing (by Finish, or by the destructor, which tells a
// normal end from an exception unwinding the stack by comparing std::uncaught_exceptions() with
// its value at Init).
#include <algorithm>
#include <cstdio>
#include <exception>

#include "sdk/crash_report.h"
#include "sdk/exception_capture.h"
#include "sdk/failure_handlers.h"
#include "sdk/run_state.h"

namespace runhook {
namespace {

constexpr auto kNoTime = std::chrono::milliseconds(0);

}  // namespace

Run::Run(std::unique_ptr<detail::RunState> state) : state_(std::move(state)) {}
Run::Run(Run&&) noexcept = default;

Run& Run::operator=(Run&& other) noexcept {
  if (this != &other) {
    if (state_) Finish(0);
    state_ = std::move(other.state_);
  }
  return *this;
}

Run::~Run() {
  if (!state_) return;
  if (std::uncaught_exceptions() > state_->uncaught_exceptions_at_init)
    FinishAfterException();
  else
    Finish(0);
}

void Run::Log(std::initializer_list<std::pair<std::string_view, LogValue>> values,
              std::optional<int64_t> step) {
  if (state_->buffer.Append(values, step) == sdk::LogBuffer::AppendResult::kBatchFull)
    state_->shipper->Wake();
}

void Run::Log(const Json& values, std::optional<int64_t> step) {
  if (!values.is_object())
    throw Error("Run::Log expects a JSON object of metric names to values, got " +
                std::string(values.type_name()));
  if (state_->buffer.Append(values, step) == sdk::LogBuffer::AppendResult::kBatchFull)
    state_->shipper->Wake();
}

const std::string& Run::Id() const { return state_->id; }
const std::string& Run::Name() const { return state_->name; }
const std::string& Run::Entity() const { return state_->entity; }
const std::string& Run::Project() const { return state_->project; }
const std::string& Run::Url() const { return state_->url; }

void Run::Alert(const std::string& title, const std::string& text, AlertLevel level,
                std::chrono::duration<double> wait_duration) {
  if (title.empty()) throw Error("Run::Alert needs a non-empty title");
  if (!(wait_duration.count() >= 0))
    throw Error("Run::Alert '" + title + "': wait_duration must not be negative");
  const char* level_name = level == AlertLevel::kError  ? "ERROR"
                           : level == AlertLevel::kWarn ? "WARN"
                                                        : "INFO";
  const Json body = {{"title", title},
                     {"text", text},
                     {"level", level_name},
                     {"wait_duration", wait_duration.count()}};
  if (!state_->shipper->Enqueue("/alert",
                                body.dump(-1, ' ', false, Json::error_handler_t::replace))) {
    std::fprintf(stderr, "runhook: warning: ignoring Alert '%s' after Finish\n", title.c_str());
  }
}

void Run::Finish(int exit_code) {
  detail::FinishRun(*state_, detail::FinishReport{.exit_code = exit_code,
                                                  .reason = exit_code == 0 ? "" : "exit_code"});
  sdk::UnwatchRun(*state_);
}

void Run::Fail(const Failure& failure, int exit_code) {
  Json error = {{"type", failure.type}, {"message", failure.message}};
  if (!failure.traceback.empty()) error["traceback"] = failure.traceback;
  detail::FinishRun(
      *state_, detail::FinishReport{.exit_code = exit_code == 0 ? 1 : exit_code,
                                    .reason = failure.reason.empty() ? "exception" : failure.reason,
                                    .error = std::move(error)});
  sdk::UnwatchRun(*state_);
}

// A destructor running while an exception unwinds the stack: the run failed with that exception.
void Run::FinishAfterException() {
  Json error = {{"type", "unknown"}, {"message", ""}};
  if (auto exception = sdk::LastThrownException())
    error = {{"type", exception->type}, {"message", exception->message}};
  detail::FinishRun(*state_,
                    detail::FinishReport{.exit_code = 1, .reason = "exception", .error = error});
  sdk::UnwatchRun(*state_);
}

namespace detail {

void FinishRun(RunState& state, const FinishReport& report) {
  std::unique_lock finish_lock(state.finish_mutex, std::defer_lock);
  if (!finish_lock.try_lock_for(std::max(state.finish_timeout, kNoTime))) return;
  if (state.finished) return;
  state.finished = true;
  sdk::DisarmCrashReport(state.crash_slot);
  const auto deadline = sdk::SteadyClock::now() + std::max(state.finish_timeout, kNoTime);
  state.buffer.Close();
  if (state.mode == "disabled") return;
  // The final state goes through the shipper's ordered path: after every logged row, and into the
  // spool with them when the server cannot take it (offline: always).
  Json body = {{"exit_code", report.exit_code}};
  if (!report.reason.empty()) body["reason"] = report.reason;
  if (!report.error.is_null()) body["error"] = report.error;
  state.shipper->Enqueue("/finish", body.dump(-1, ' ', false, Json::error_handler_t::replace));
  const sdk::ShipResult shipped = state.shipper->Shutdown(deadline);
  if (shipped.all_shipped) return;
  const char* final_state = report.exit_code == 0 ? "finished" : "failed";
  const std::string& directory = shipped.spool_directory;
  if (state.mode == "offline")
    std::printf(
        "runhook: offline run %s (%s) ended as %s; it is recorded in %s; upload it with "
        "`runhook sync %s`\n",
        state.name.c_str(), state.id.c_str(), final_state, directory.c_str(), directory.c_str());
  else if (!directory.empty())
    std::printf(
        "runhook: could not confirm run %s (%s) as %s with the server at %s (%s): %zu "
        "logged rows and the final state are spooled in %s; upload them with `runhook "
        "sync %s`\n",
        state.name.c_str(), state.id.c_str(), final_state, state.server_url.c_str(),
        shipped.last_error.c_str(), shipped.unsent_rows, directory.c_str(), directory.c_str());
  else
    std::printf(
        "runhook: could not confirm run %s (%s) as %s: %zu logged rows were not sent to %s "
        "(%s)\n",
        state.name.c_str(), state.id.c_str(), final_state, shipped.unsent_rows,
        state.server_url.c_str(), shipped.last_error.c_str());
  std::fflush(stdout);
}

}  // namespace detail
}  // namespace runhook
