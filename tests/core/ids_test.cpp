#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace runhook::core {

TEST(Ids, RunIdIsEightLowercaseAlphanumerics) {
  for (int i = 0; i < 1000; ++i) {
    std::string id = GenerateRunId();
    ASSERT_EQ(id.size(), 8u);
    for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << id;
  }
}

TEST(Ids, RunIdsDoNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(GenerateRunId());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(Ids, GeneratedNameHasThreeParts) {
  std::string name = GenerateRunName();
  EXPECT_EQ(std::count(name.begin(), name.end(), '-'), 2) << name;
  EXPECT_TRUE(IsValidSlug(name));
}

TEST(Ids, ValidatesUserGivenIdsAndSlugs) {
  EXPECT_TRUE(IsValidRunId("my-run_2"));
  EXPECT_FALSE(IsValidRunId(""));
  EXPECT_FALSE(IsValidRunId("a/b"));
  EXPECT_FALSE(IsValidRunId(std::string(65, 'a')));
  EXPECT_TRUE(IsValidSlug("webhook-demo"));
  EXPECT_FALSE(IsValidSlug(".hidden"));
  EXPECT_FALSE(IsValidSlug("a b"));
}

}  // namespace runhook::core
