// FileLock: an exclusive flock(2) on a file, held until the FileLock is destroyed or its
// process ends (the kernel releases it then, also after SIGKILL). The descriptor is opened
// O_CLOEXEC, so a program the holder starts does not inherit (and keep) the lock.
//
//   auto lock = core::FileLock::TryAcquire(dir + "/server.lock");
//   if (!lock && lock.error().code == ErrorCode::kConflict) ...  // another process holds it
//
// flock locks belong to the open file description: two FileLocks on one path conflict also
// within one process. Thread safety: a FileLock is used by one thread at a time.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace runhook::core {

class FileLock {
 public:
  // Creates `path` when missing (mode 0644) and locks it without waiting. Errors: kConflict
  // when another open description holds the lock; kUnavailable naming the path when it cannot
  // be opened or locked.
  static Result<FileLock> TryAcquire(const std::string& path);
  // As TryAcquire, retrying every few milliseconds until the lock is taken or `timeout`
  // passes (then kConflict, saying how long it waited).
  static Result<FileLock> Acquire(const std::string& path, std::chrono::milliseconds timeout);

  // Whether some process holds the lock on `path` now (false also when `path` does not
  // exist). Takes and drops the lock to find out, so a TryAcquire elsewhere in that instant
  // may fail; use it for reports, not for decisions that must be exact.
  static bool IsHeld(const std::string& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // releases the lock

  const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, int descriptor) : path_(std::move(path)), descriptor_(descriptor) {}

  std::string path_;
  int descriptor_ = -1;  // owned; -1 after a move
};

}  // namespace runhook::core
