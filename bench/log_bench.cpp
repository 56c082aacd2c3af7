// Run::Log latency: 5 scalars per call against a real local HTTP endpoint (a cpp-httplib server in
// this process answering the SDK's calls), reported as per-call percentiles.
//
// Google Benchmark's time is a mean over the iterations; the figure that matters for a training
// loop is the typical call and its tail, so every call is timed with steady_clock and the p50 and
// p99 are reported as counters (p50_ns, p99_ns). Each timed region includes one clock read;
// BM_ClockOverhead measures that alone and BM_Build5Values the cost of building the arguments.
// BM_Log5Scalars runs twice: flat out (millions of rows per second, faster than the shipping
// thread and the local server absorb on a small machine, so rows pile up between drains) and
// paced at 100,000 calls per second (still far above a training loop's rate).
//
//   build-sdk/bench/log_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/history_encoding.h"
#include "runhook/runhook.h"

namespace {

using Clock = std::chrono::steady_clock;
using runhook::Json;
constexpr int64_t kIterations = 2'000'000;

// Answers POST /api/v1/runs and RUN/{start,history,heartbeat,finish} as docs/api.md says.
class LocalEndpoint {
 public:
  LocalEndpoint() {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(1'000'000);
    server_.Post("/api/v1/runs", [this](const httplib::Request& request, httplib::Response& reply) {
      Json body = Json::parse(request.body);
      Json run = {{"id", body["id"]},
                  {"name", body["name"]},
                  {"url", url() + "/" + body["entity"].get<std::string>() + "/" +
                              body["project"].get<std::string>() + "/runs/" +
                              body["id"].get<std::string>()}};
      reply.status = 201;
      reply.set_content(Json{{"run", run}, {"hooks", Json::array()}}.dump(), "application/json");
    });
    server_.Post(R"(/api/v1/runs/[^/]+/[^/]+/[^/]+/(start|history|heartbeat|finish))",
                 [](const httplib::Request& request, httplib::Response& reply) {
                   if (request.matches[1] == "history") {
                     // The SDK sends history in the compact encoding (docs/history-encoding.md).
                     auto batch = runhook::core::history_encoding::DecodeBody(request.body);
                     if (!batch) {
                       reply.status = 400;
                       reply.set_content(batch.error().message, "text/plain");
                       return;
                     }
                     reply.set_content(Json{{"acknowledged", batch->batch_id},
                                            {"last_step", batch->rows.back().step}}
                                           .dump(),
                                       "application/json");
                   } else {
                     reply.set_content(R"({"run": {}})", "application/json");
                   }
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Server::stop only works once the accept loop runs.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LocalEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

// Sorts `nanoseconds` and sets the p50/p99 counters.
void ReportPercentiles(benchmark::State& state, std::vector<int64_t>& nanoseconds) {
  if (nanoseconds.empty()) return;
  std::sort(nanoseconds.begin(), nanoseconds.end());
  auto at = [&](double quantile) {
    return static_cast<double>(
        nanoseconds[static_cast<size_t>(quantile * (nanoseconds.size() - 1))]);
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
}

// Times each call of `body(index)`. With a `pace`, calls start at most once per `pace` (the wait
// between calls is not timed), like a training loop that logs at a steady rate.
template <typename Body>
void TimeEachCall(benchmark::State& state, Body&& body,
                  Clock::duration pace = Clock::duration::zero()) {
  std::vector<int64_t> nanoseconds;
  nanoseconds.reserve(kIterations);
  int64_t index = 0;
  auto next_start = Clock::now();
  for (auto _ : state) {
    if (pace != Clock::duration::zero()) {
      while (Clock::now() < next_start) {
      }
      next_start += pace;
    }
    const auto start = Clock::now();
    body(index++);
    const auto elapsed = Clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    nanoseconds.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  }
  ReportPercentiles(state, nanoseconds);
}

// state.range(0): calls per second (0: as fast as possible).
void BM_Log5Scalars(benchmark::State& state) {
  LocalEndpoint endpoint;
  runhook::Run run = runhook::Init(
      {.project = "bench", .entity = "bench", .server_url = endpoint.url(), .quiet = true});
  const auto pace =
      state.range(0) == 0
          ? Clock::duration::zero()
          : std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)) / state.range(0);
  TimeEachCall(
      state,
      [&](int64_t index) {
        const double value = static_cast<double>(index);
        run.Log({{"loss", value},
                 {"accuracy", value * 0.5},
                 {"learning_rate", 0.001},
                 {"epoch", index / 1000},
                 {"grad_norm", 1.5}});
      },
      pace);
  run.Finish();
}

__attribute__((noinline)) void Consume(
    std::initializer_list<std::pair<std::string_view, runhook::LogValue>> values) {
  benchmark::DoNotOptimize(values.begin());
  benchmark::ClobberMemory();
}

void BM_Build5Values(benchmark::State& state) {
  TimeEachCall(state, [](int64_t index) {
    const double value = static_cast<double>(index);
    Consume({{"loss", value},
             {"accuracy", value * 0.5},
             {"learning_rate", 0.001},
             {"epoch", index / 1000},
             {"grad_norm", 1.5}});
  });
}

void BM_ClockOverhead(benchmark::State& state) {
  TimeEachCall(state, [](int64_t index) { benchmark::DoNotOptimize(index); });
}

BENCHMARK(BM_Log5Scalars)
    ->ArgName("calls_per_second")
    ->Arg(0)
    ->Arg(100'000)
    ->UseManualTime()
    ->Iterations(kIterations)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Build5Values)->UseManualTime()->Iterations(kIterations)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_ClockOverhead)->UseManualTime()->Iterations(kIterations)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
