// The record of the last thrown exception (the SDK's __cxa_throw), and the current exception.
#include "sdk/exception_capture.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace runhook::sdk {
namespace {

struct NotAnException {
  int code;
};

namespace deep {
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// std::exception reached through a second base, so the upcast must adjust the pointer.
struct Tagged {
  virtual ~Tagged() = default;
  int tag = 7;
};
class TaggedError : public Tagged, public std::logic_error {
 public:
  TaggedError() : std::logic_error("tagged failure") {}
};
}  // namespace deep

TEST(ExceptionCapture, RecordsTheDemangledTypeAndWhatOfTheLastThrow) {
  try {
    throw deep::TrainingDiverged("loss is NaN");
  } catch (const std::exception&) {
  }
  auto last = LastThrownException();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->type, "runhook::sdk::(anonymous namespace)::deep::TrainingDiverged");
  EXPECT_EQ(last->message, "loss is NaN");
}

TEST(ExceptionCapture, FindsWhatThroughASecondBaseClass) {
  try {
    throw deep::TaggedError();
  } catch (const deep::Tagged&) {
  }
  auto last = LastThrownException();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->message, "tagged failure");
}

TEST(ExceptionCapture, RecordsOnlyTheTypeOfANonStandardException) {
  try {
    throw NotAnException{3};
  } catch (const NotAnException&) {
  }
  auto last = LastThrownException();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->type, "runhook::sdk::(anonymous namespace)::NotAnException");
  EXPECT_EQ(last->message, "");
  try {
    throw 42;
  } catch (int) {
  }
  EXPECT_EQ(LastThrownException()->type, "int");
}

// A throw inside libstdc++.so (std::__throw_out_of_range_fmt) reaches the SDK's __cxa_throw too.
TEST(ExceptionCapture, RecordsThrowsFromInsideTheStandardLibrary) {
  try {
    throw std::runtime_error("an earlier one");
  } catch (const std::exception&) {
  }
  std::vector<int> empty;
  try {
    (void)empty.at(3);
  } catch (const std::exception&) {
  }
  auto last = LastThrownException();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->type, "std::out_of_range");
  EXPECT_NE(last->message.find("vector::_M_range_check"), std::string::npos) << last->message;
}

TEST(ExceptionCapture, KeepsOneRecordPerThread) {
  try {
    throw std::out_of_range("main thread");
  } catch (const std::exception&) {
  }
  std::optional<ExceptionDescription> on_other_thread;
  std::thread([&] { on_other_thread = LastThrownException(); }).join();
  EXPECT_FALSE(on_other_thread);
  EXPECT_EQ(LastThrownException()->message, "main thread");
}

TEST(ExceptionCapture, CutsAVeryLongMessage) {
  try {
    throw std::runtime_error(std::string(10'000, 'x'));
  } catch (const std::exception&) {
  }
  const std::string message = LastThrownException()->message;
  EXPECT_GT(message.size(), 1000u);
  EXPECT_LT(message.size(), 10'000u);
}

TEST(ExceptionCapture, CurrentExceptionInsideACatchBlock) {
  EXPECT_FALSE(CurrentException());
  try {
    throw std::invalid_argument("bad learning rate");
  } catch (...) {
    auto current = CurrentException();
    ASSERT_TRUE(current);
    EXPECT_EQ(current->type, "std::invalid_argument");
    EXPECT_EQ(current->message, "bad learning rate");
  }
}

TEST(ExceptionCapture, DemanglesTypeNames) {
  EXPECT_EQ(DemangleTypeName("St13runtime_error"), "std::runtime_error");
  EXPECT_EQ(DemangleTypeName("not a mangled name"), "not a mangled name");
}

}  // namespace
}  // namespace runhook::sdk
