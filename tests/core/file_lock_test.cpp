#include "core/file_lock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace runhook::core {
namespace {

class FileLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/file_lock_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/server.lock";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST_F(FileLockTest, SecondHolderConflictsUntilTheFirstIsReleased) {
  EXPECT_FALSE(FileLock::IsHeld(path_));  // no file yet
  {
    auto first = FileLock::TryAcquire(path_);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_TRUE(FileLock::IsHeld(path_));
    auto second = FileLock::TryAcquire(path_);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kConflict);
    EXPECT_EQ(second.error().message, "another process holds the lock on " + path_);
    FileLock moved = std::move(first.value());  // the lock moves with the object
    EXPECT_TRUE(FileLock::IsHeld(path_));
  }
  EXPECT_FALSE(FileLock::IsHeld(path_));
  EXPECT_TRUE(FileLock::TryAcquire(path_));
}

TEST_F(FileLockTest, AcquireGivesUpAfterItsTimeout) {
  auto holder = FileLock::TryAcquire(path_);
  ASSERT_TRUE(holder);
  const auto started = std::chrono::steady_clock::now();
  auto waiter = FileLock::Acquire(path_, std::chrono::milliseconds(100));
  ASSERT_FALSE(waiter);
  EXPECT_EQ(waiter.error().code, ErrorCode::kConflict);
  EXPECT_NE(waiter.error().message.find("longer than 100 ms"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));
}

TEST_F(FileLockTest, ProgramsStartedByTheHolderDoNotInheritIt) {
  auto holder = FileLock::TryAcquire(path_);
  ASSERT_TRUE(holder);
  // A child that execs (as the SDK does to start a server) and outlives the holder's release
  // must not keep the lock: the descriptor is close-on-exec.
  int ready[2], executed[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe2(executed, O_CLOEXEC), 0);  // EOF once the child has exec'd
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(ready[0], STDIN_FILENO);
    execl("/bin/sh", "sh", "-c", "read line", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(ready[0]);
  close(executed[1]);
  char byte;
  ASSERT_EQ(read(executed[0], &byte, 1), 0);
  close(executed[0]);
  holder = FileLock::TryAcquire(dir_ + "/other.lock");  // releases server.lock
  EXPECT_FALSE(FileLock::IsHeld(path_));
  ASSERT_EQ(write(ready[1], "\n", 1), 1);
  close(ready[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(FileLockTest, MissingDirectoryIsAnErrorNamingThePath) {
  auto lock = FileLock::TryAcquire(dir_ + "/missing/server.lock");
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(lock.error().message.find(dir_ + "/missing/server.lock"), std::string::npos);
}

}  // namespace
}  // namespace runhook::core
