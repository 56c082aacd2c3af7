// LifecycleMonitor: the server's background thread for what no request triggers. It fails
// running runs whose heartbeat is older than the heartbeat timeout (reason `crashed`, firing
// `failed`) and sends periodic (`every`) hooks when they are due.
//
// Safe with several servers on one store: candidates come from indexed store queries and every
// change goes through RunService's optimistic version check, so a run changed by another
// server (or that beat in between) is re-planned and left alone.
//
// Thread safety: Start and Stop from the owner's thread; Wake from any thread. `store` and
// `runs` must outlive the monitor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "server/run_service.h"
#include "store/store.h"

namespace runhook::server {

struct LifecycleMonitorOptions {
  std::chrono::milliseconds heartbeat_timeout{60'000};
  int batch_limit = 100;  // runs handled per query and kind, per pass
};

class LifecycleMonitor {
 public:
  LifecycleMonitor(store::Store& store, RunService& runs, LifecycleMonitorOptions options);
  ~LifecycleMonitor();  // Stop
  LifecycleMonitor(const LifecycleMonitor&) = delete;
  LifecycleMonitor& operator=(const LifecycleMonitor&) = delete;

  void Start();
  // Makes the thread look again now (a periodic hook may be due sooner than it planned).
  void Wake();
  // Wakes the thread and joins it; returns once the pass in progress (if any) ends. Idempotent.
  void Stop();

  // The longest the thread sleeps between crash checks: a quarter of the timeout, between
  // 10 ms and 1 s. A crash is noticed within heartbeat_timeout plus this.
  std::chrono::milliseconds CheckInterval() const;

 private:
  void Loop();
  // One pass at `now_ms`; returns when the next periodic hook is due (or nullopt).
  std::optional<int64_t> Pass(int64_t now_ms);

  store::Store& store_;
  RunService& runs_;
  LifecycleMonitorOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool woken_ = false;     // guarded by mutex_
  std::thread thread_;
};

}  // namespace runhook::server
