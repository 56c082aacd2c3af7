#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <string_view>
#include <thread>

namespace runhook::core {
namespace {

std::string NameOfThisThread() {
  char buffer[64] = {};
  pthread_getname_np(pthread_self(), buffer, sizeof buffer);
  return buffer;
}

// The name a new thread has after calling NameCurrentThread(name).
std::string NameInNewThread(std::string_view name) {
  std::string named;
  std::thread([&] {
    NameCurrentThread(name);
    named = NameOfThisThread();
  }).join();
  return named;
}

TEST(NameCurrentThread, NamesTheCallingThreadOnly) {
  const std::string before = NameOfThisThread();
  EXPECT_EQ(NameInNewThread("rh-test"), "rh-test");
  EXPECT_EQ(NameOfThisThread(), before);
}

TEST(NameCurrentThread, KeepsTheFirstFifteenBytesOfALongName) {
  EXPECT_EQ(NameInNewThread("rh-a-name-longer-than-fifteen"), "rh-a-name-longe");
}

}  // namespace
}  // namespace runhook::core
