// A mutex whose lock can wait with a timeout (std::unique_lock's try_lock_for works with it), for
// the SDK's few waits that must give up: a Finish in progress, the failure handlers' registry.
//
// Why not std::timed_mutex: with glibc 2.30+ its try_lock_for calls pthread_mutex_clocklock,
// which ThreadSanitizer (GCC 12's) does not intercept, so TSan misses the lock and reports the
// matching unlock as an error, hiding real reports behind it. This one is a flag guarded by a
// std::mutex and a condition variable, which TSan sees.
//
// Not recursive. Thread safety: every method may be called from any thread; unlock must be called
// by the holder (not checked).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace runhook::sdk {

class TimedMutex {
 public:
  void lock() {
    std::unique_lock guard(mutex_);
    released_.wait(guard, [this] { return !locked_; });
    locked_ = true;
  }

  bool try_lock() {
    std::lock_guard guard(mutex_);
    if (locked_) return false;
    locked_ = true;
    return true;
  }

  // Waits at most `timeout` (none when it is zero or negative) for the lock.
  template <typename Rep, typename Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
    std::unique_lock guard(mutex_);
    if (!released_.wait_for(guard, timeout, [this] { return !locked_; })) return false;
    locked_ = true;
    return true;
  }

  void unlock() {
    {
      std::lock_guard guard(mutex_);
      locked_ = false;
    }
    released_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool locked_ = false;  // guarded by mutex_
};

}  // namespace runhook::sdk
