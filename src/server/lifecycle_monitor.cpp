#include "server/lifecycle_monitor.h"

#include <algorithm>
#include <cstdio>

#include "core/thread_name.h"

namespace runhook::server {

LifecycleMonitor::LifecycleMonitor(store::Store& store, RunService& runs,
                                   LifecycleMonitorOptions options)
    : store_(store), runs_(runs), options_(options) {}

LifecycleMonitor::~LifecycleMonitor() { Stop(); }

std::chrono::milliseconds LifecycleMonitor::CheckInterval() const {
  return std::clamp(options_.heartbeat_timeout / 4, std::chrono::milliseconds(10),
                    std::chrono::milliseconds(1000));
}

void LifecycleMonitor::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    core::NameCurrentThread("rh-lifecycle");
    Loop();
  });
}

void LifecycleMonitor::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void LifecycleMonitor::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<int64_t> LifecycleMonitor::Pass(int64_t now_ms) {
  const int64_t heartbeat_before = now_ms - options_.heartbeat_timeout.count();
  if (auto stale = store_.ListStaleRunningRuns(heartbeat_before, options_.batch_limit)) {
    for (const auto& key : *stale) {
      if (auto crashed = runs_.MarkCrashed(key, heartbeat_before); !crashed)
        std::fprintf(stderr, "runhook server: marking run %s crashed: %s\n",
                     DescribeRun(key).c_str(), crashed.error().message.c_str());
    }
  } else {
    std::fprintf(stderr, "runhook server: crash check: %s\n", stale.error().message.c_str());
  }
  if (auto due = store_.ListPeriodicDueRuns(now_ms, options_.batch_limit)) {
    for (const auto& key : *due) {
      if (auto sent = runs_.SendPeriodicHooks(key); !sent)
        std::fprintf(stderr, "runhook server: periodic hooks of run %s: %s\n",
                     DescribeRun(key).c_str(), sent.error().message.c_str());
    }
  }
  auto next = store_.NextPeriodicDueTime();
  return next ? *next : std::nullopt;
}

void LifecycleMonitor::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    const int64_t now_ms = runs_.Now();
    std::optional<int64_t> next_periodic = Pass(now_ms);
    lock.lock();
    if (stopping_ || woken_) continue;
    int64_t wait_ms = CheckInterval().count();
    if (next_periodic) wait_ms = std::clamp<int64_t>(*next_periodic - runs_.Now(), 0, wait_ms);
    if (wait_ms == 0) continue;
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                   [this] { return stopping_ || woken_; });
  }
}

}  // namespace runhook::server
