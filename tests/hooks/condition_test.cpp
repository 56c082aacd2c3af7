#include "hooks/condition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace runhook::hooks {
namespace {

using ::testing::HasSubstr;

bool Evaluate(const std::string& expression, const Json& context) {
  auto condition = Condition::Compile(expression);
  EXPECT_TRUE(condition) << condition.error().message;
  auto value = condition->Evaluate(context);
  EXPECT_TRUE(value) << value.error().message;
  return value && *value;
}

TEST(Condition, ComparesASummaryValue) {
  const Json high{{"run", {{"summary", {{"accuracy", 0.97}}}}}};
  const Json low{{"run", {{"summary", {{"accuracy", 0.5}}}}}};
  EXPECT_TRUE(Evaluate("run.summary.accuracy >= 0.95", high));
  EXPECT_FALSE(Evaluate("run.summary.accuracy >= 0.95", low));
}

TEST(Condition, WindowedAggregatesUseJinjaFilters) {
  const Json context{{"run", {{"history", {{"recent", {{"loss", {0.9, 0.05, 0.04, 0.03}}}}}}}}};
  EXPECT_TRUE(Evaluate("run.history.recent.loss[-3:]|max < 0.1", context));
  EXPECT_FALSE(Evaluate("run.history.recent.loss[-4:]|max < 0.1", context));
  EXPECT_TRUE(Evaluate("(run.history.recent.loss[-2:]|sum) / 2 < 0.04", context));
}

TEST(Condition, UndefinedNamesAreFalse) {
  EXPECT_FALSE(Evaluate("run.summary.missing", Json{{"run", {{"summary", Json::object()}}}}));
}

TEST(Condition, SyntaxErrorColumnsPointIntoTheExpression) {
  auto condition = Condition::Compile("run.summary.acc >= ");
  ASSERT_FALSE(condition);
  EXPECT_THAT(condition.error().message, HasSubstr("line 1, column "));
  // The error is at or just after the end of the 19-character expression, not 7 further right.
  const std::string& message = condition.error().message;
  const int column = std::stoi(message.substr(message.find("column ") + 7));
  EXPECT_GE(column, 17);
  EXPECT_LE(column, 21);
}

TEST(Condition, RefusesTemplateTags) {
  auto condition = Condition::Compile("1) %}{{ secrets }}{% if (1");
  ASSERT_FALSE(condition);
  EXPECT_THAT(condition.error().message, HasSubstr("one expression"));
  EXPECT_FALSE(Condition::Compile("   "));
}

TEST(ParseEveryMillis, AcceptsDurationsAndRefusesTooShortOnes) {
  EXPECT_EQ(ParseEveryMillis("10m").value(), std::optional<int64_t>(600'000));
  EXPECT_EQ(ParseEveryMillis("").value(), std::nullopt);
  EXPECT_FALSE(ParseEveryMillis("soon"));
  EXPECT_FALSE(ParseEveryMillis("1ms"));
}

}  // namespace
}  // namespace runhook::hooks
