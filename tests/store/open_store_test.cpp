// OpenStore: the user-facing store spec.
#include "store/open_store.h"

#include <gtest/gtest.h>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

TEST(OpenStore, SqliteSpecOpensAWorkingStore) {
  TemporaryDirectory directory;
  Result<std::unique_ptr<Store>> store =
      OpenStore("sqlite:" + (directory.path() / "runhook.db").string());
  ASSERT_TRUE(store) << Describe(store);
  EXPECT_TRUE((*store)->CreateRun(SampleRun(), {}, nullptr));
}

TEST(OpenStore, SqliteMemorySpecOpensAnInMemoryStore) {
  Result<std::unique_ptr<Store>> store = OpenStore("sqlite::memory:");
  ASSERT_TRUE(store) << Describe(store);
}

TEST(OpenStore, SqliteSpecWithoutPathIsInvalid) {
  Result<std::unique_ptr<Store>> store = OpenStore("sqlite:");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

TEST(OpenStore, PostgresqlIsNotSupportedYetAndThePasswordIsNotEchoed) {
  Result<std::unique_ptr<Store>> store = OpenStore("postgresql://runhook:hunter2@db/runhook");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("PostgreSQL"), std::string::npos);
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos);
}

TEST(OpenStore, UnknownSchemeIsInvalidAndSuggestsSqlite) {
  Result<std::unique_ptr<Store>> store = OpenStore("/var/lib/runhook.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("sqlite:PATH"), std::string::npos);
}

}  // namespace
}  // namespace runhook::store::testing
