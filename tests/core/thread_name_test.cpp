#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace runhook::core {
namespace {

std::string NameOfThisThread() {
  char buffer[64] = {};
  pthread_getname_np(pthread_self(), buffer, sizeof buffer);
  return buffer;
}

TEST(NameCurrentThread, NamesTheCallingThreadOnly) {
  const std::string before = NameOfThisThread();
  std::string named;
  std::thread([&] {
    NameCurrentThread("rh-test");
    named = NameOfThisThread();
  }).join();
  EXPECT_EQ(named, "rh-test");
  EXPECT_EQ(NameOfThisThread(), before);
}

TEST(NameCurrentThread, KeepsTheFirstFifteenBytesOfALongName) {
  std::string named;
  std::thread([&] {
    NameCurrentThread("rh-a-name-longer-than-fifteen");
    named = NameOfThisThread();
  }).join();
  EXPECT_EQ(named, "rh-a-name-longe");
}

}  // namespace
}  // namespace runhook::core
