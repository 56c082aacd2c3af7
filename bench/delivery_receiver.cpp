// delivery_receiver: the fast local webhook receiver of the delivery benchmark
// (bench/delivery_bench.py). The same receiver takes the dispatcher's deliveries and wrk's
// requests, so wrk's rate is the ceiling the delivery rate is compared with.
//
//   delivery_receiver [--port P] [--threads N]
//
// Prints `listening on http://127.0.0.1:PORT` once it accepts connections, then answers every
// POST (any path) with 200 "ok" and counts it with its receipt time on the steady clock
// (CLOCK_MONOTONIC, the same clock in every process of the machine, so finish_latency's times can
// be subtracted from it). A POST to /latency/ID also keeps ID's receipt time. Control paths:
//   GET /stats     {"count", "first_ns", "last_ns"} since the last reset
//   GET /receipts  {"receipts": [[ID, ns], ...]} of the /latency/ requests since the last reset
//   GET /reset     forgets everything counted so far
// Runs until killed.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

int64_t SteadyNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What has been received since the last reset. Thread safety: every method may be called from
// any thread.
class Receipts {
 public:
  void Add(int64_t now_ns, const std::string& path) {
    constexpr std::string_view kLatencyPrefix = "/latency/";
    count_.fetch_add(1, std::memory_order_relaxed);
    int64_t first = first_ns_.load(std::memory_order_relaxed);
    while ((first == 0 || now_ns < first) &&
           !first_ns_.compare_exchange_weak(first, now_ns, std::memory_order_relaxed)) {
    }
    int64_t last = last_ns_.load(std::memory_order_relaxed);
    while (now_ns > last &&
           !last_ns_.compare_exchange_weak(last, now_ns, std::memory_order_relaxed)) {
    }
    if (path.rfind(kLatencyPrefix, 0) == 0) {
      std::lock_guard lock(mutex_);
      latency_.emplace_back(path.substr(kLatencyPrefix.size()), now_ns);
    }
  }

  nlohmann::json Stats() const {
    return {{"count", count_.load()}, {"first_ns", first_ns_.load()}, {"last_ns", last_ns_.load()}};
  }

  nlohmann::json LatencyReceipts() {
    std::lock_guard lock(mutex_);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, ns] : latency_) list.push_back({id, ns});
    return {{"receipts", std::move(list)}};
  }

  void Reset() {
    count_ = 0;
    first_ns_ = 0;
    last_ns_ = 0;
    std::lock_guard lock(mutex_);
    latency_.clear();
  }

 private:
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> first_ns_{0};
  std::atomic<int64_t> last_ns_{0};
  std::mutex mutex_;
  std::vector<std::pair<std::string, int64_t>> latency_;  // guarded by mutex_
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 64;
  for (int index = 1; index + 1 < argc; index += 2) {
    if (std::strcmp(argv[index], "--port") == 0) {
      port = std::atoi(argv[index + 1]);
    } else if (std::strcmp(argv[index], "--threads") == 0) {
      threads = std::max(1, std::atoi(argv[index + 1]));
    } else {
      std::fprintf(stderr, "delivery_receiver: unknown option '%s'\n", argv[index]);
      return 2;
    }
  }

  Receipts receipts;
  httplib::Server server;
  // cpp-httplib listens with a backlog of 5; wrk opening dozens of connections at once would
  // overflow it (dropped SYNs are retried after a second), so listen again with a deep backlog.
  socket_t listening_socket = INVALID_SOCKET;
  server.set_socket_options([&listening_socket](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening_socket = socket;
  });
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1'000'000);
  server.set_keep_alive_timeout(30);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.Post(".*", [&receipts](const httplib::Request& request, httplib::Response& response) {
    receipts.Add(SteadyNanoseconds(), request.path);
    response.set_content("ok", "text/plain");
  });
  server.Get("/stats", [&receipts](const httplib::Request&, httplib::Response& response) {
    response.set_content(receipts.Stats().dump(), "application/json");
  });
  server.Get("/receipts", [&receipts](const httplib::Request&, httplib::Response& response) {
    response.set_content(receipts.LatencyReceipts().dump(), "application/json");
  });
  server.Get("/reset", [&receipts](const httplib::Request&, httplib::Response& response) {
    receipts.Reset();
    response.set_content("{}", "application/json");
  });

  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                              : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "delivery_receiver: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  ::listen(listening_socket, SOMAXCONN);
  std::printf("listening on http://127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}
