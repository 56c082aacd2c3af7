#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace runhook::core {
namespace {

constexpr std::chrono::milliseconds kRetryInterval{10};

}  // namespace

Result<FileLock> FileLock::TryAcquire(const std::string& path) {
  const int descriptor = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (descriptor < 0)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot open the lock file " + path + ": " + std::strerror(errno));
  int result;
  do {
    result = flock(descriptor, LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int error = errno;
    close(descriptor);
    if (error == EWOULDBLOCK)
      return MakeError(ErrorCode::kConflict, "another process holds the lock on " + path);
    return MakeError(ErrorCode::kUnavailable, "cannot lock " + path + ": " + std::strerror(error));
  }
  return FileLock(path, descriptor);
}

Result<FileLock> FileLock::Acquire(const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto lock = TryAcquire(path);
    if (lock || lock.error().code != ErrorCode::kConflict) return lock;
    if (std::chrono::steady_clock::now() >= deadline)
      return MakeError(ErrorCode::kConflict, "another process held the lock on " + path +
                                                 " for longer than " +
                                                 std::to_string(timeout.count()) + " ms");
    // flock has no timed wait; the holder's release is not signalled any other way.
    std::this_thread::sleep_for(kRetryInterval);
  }
}

bool FileLock::IsHeld(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0) return false;
  auto lock = TryAcquire(path);
  return !lock && lock.error().code == ErrorCode::kConflict;
}

FileLock::FileLock(FileLock&& other) noexcept
    : path_(std::move(other.path_)), descriptor_(other.descriptor_) {
  other.descriptor_ = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (descriptor_ >= 0) close(descriptor_);
    path_ = std::move(other.path_);
    descriptor_ = other.descriptor_;
    other.descriptor_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (descriptor_ >= 0) close(descriptor_);
}

}  // namespace runhook::core
