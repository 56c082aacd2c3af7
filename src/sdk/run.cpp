// runhook::Run: logging, accessors and Finish.
#include <algorithm>
#include <cstdio>

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
  if (state_) Finish(0);
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

const Json& Run::Config() const { return state_->config; }
Json Run::Summary() const { return state_->buffer.Summary(); }
const std::string& Run::Id() const { return state_->id; }
const std::string& Run::Name() const { return state_->name; }
const std::string& Run::Entity() const { return state_->entity; }
const std::string& Run::Project() const { return state_->project; }
const std::string& Run::Url() const { return state_->url; }

void Run::Finish(int exit_code) {
  detail::RunState& state = *state_;
  std::lock_guard finish_lock(state.finish_mutex);
  if (state.finished) return;
  state.finished = true;
  const auto deadline = sdk::SteadyClock::now() + std::max(state.finish_timeout, kNoTime);
  state.buffer.Close();
  const sdk::ShipResult shipped = state.shipper->Shutdown(deadline);
  const char* final_state = exit_code == 0 ? "finished" : "failed";
  if (!shipped.all_shipped) {
    std::printf(
        "runhook: could not confirm run %s (%s) as %s: %zu logged rows were not sent to %s "
        "(%s)\n",
        state.name.c_str(), state.id.c_str(), final_state, shipped.unsent_rows,
        state.server_url.c_str(), shipped.last_error.c_str());
    std::fflush(stdout);
    return;
  }
  const Json body = {{"exit_code", exit_code}};
  const sdk::HttpResponse response =
      state.shipper->client().PostJson(state.run_path + "/finish", body.dump(), deadline);
  if (!response.success()) {
    std::printf("runhook: could not confirm run %s (%s) as %s with the server at %s: %s\n",
                state.name.c_str(), state.id.c_str(), final_state, state.server_url.c_str(),
                sdk::DescribeFailure(response).c_str());
    std::fflush(stdout);
  }
}

}  // namespace runhook
