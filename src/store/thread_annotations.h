// Clang thread-safety annotations (checked with -Wthread-safety) and a mutex that carries
// them; the annotations are no-ops on other compilers. Used as in LevelDB: fields
// `GUARDED_BY(mutex_)`, helpers `REQUIRES(mutex_)`, scopes `MutexLock lock(mutex_)`.
#pragma once

#include <mutex>

#if defined(__clang__)
#define RUNHOOK_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define RUNHOOK_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) RUNHOOK_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY RUNHOOK_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) RUNHOOK_THREAD_ANNOTATION(guarded_by(x))
#define REQUIRES(...) RUNHOOK_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) RUNHOOK_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) RUNHOOK_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace runhook::store {

// std::mutex with the annotations libstdc++ lacks.
class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mutex_.lock(); }
  void Unlock() RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// Holds `mutex` for the enclosing scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.Lock(); }
  ~MutexLock() RELEASE() { mutex_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace runhook::store
