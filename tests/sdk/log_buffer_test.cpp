// The in-memory side of Run::Log: wandb's step rules, the summary, and handing rows over.
#include "sdk/log_buffer.h"

#include <gtest/gtest.h>

namespace runhook::sdk {
namespace {

using Result = LogBuffer::AppendResult;

// Drains `buffer` and renders its rows as {"step", "values"} JSON, like the shipper does.
std::vector<Json> DrainRows(LogBuffer& buffer, DrainedRows& drained) {
  buffer.Drain(drained);
  std::vector<Json> rows;
  drained.ForEachRow(0, drained.row_count, [&](const LoggedRow& row, auto entries) {
    Json values = Json::object();
    for (const LoggedEntry& entry : entries)
      values[drained.key_names[entry.key]] = ToJson(entry.value);
    rows.push_back(Json{{"step", row.step}, {"values", values}});
  });
  return rows;
}

std::vector<Json> DrainRows(LogBuffer& buffer) {
  DrainedRows drained;
  return DrainRows(buffer, drained);
}

TEST(LogBuffer, StepsCountUpFromZeroWithoutExplicitStep) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}}, std::nullopt);
  buffer.Append({{"loss", 0.4}}, std::nullopt);
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Json{{"step", 0}, {"values", {{"loss", 0.5}}}}));
  EXPECT_EQ(rows[1], (Json{{"step", 1}, {"values", {{"loss", 0.4}}}}));
}

TEST(LogBuffer, ExplicitStepEqualToLastStepMergesIntoThatRow) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}, {"epoch", 0}}, std::nullopt);
  buffer.Append({{"accuracy", 0.9}, {"loss", 0.45}}, 0);
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["step"], 0);
  EXPECT_EQ(rows[0]["values"], (Json{{"loss", 0.45}, {"epoch", 0}, {"accuracy", 0.9}}));
}

TEST(LogBuffer, LargerExplicitStepStartsARowThereAndCountingContinuesFromIt) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}}, 10);
  buffer.Append({{"loss", 0.4}}, std::nullopt);
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["step"], 10);
  EXPECT_EQ(rows[1]["step"], 11);
}

TEST(LogBuffer, SmallerStepIsIgnoredWithAOneTimeWarning) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}}, 5);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(buffer.Append({{"loss", 9.0}}, 3), Result::kIgnored);
  EXPECT_EQ(buffer.Append({{"loss", 8.0}}, 4), Result::kIgnored);
  const std::string warnings = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warnings.find("ignoring Log at step 3"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("step 4"), std::string::npos) << "warned twice: " << warnings;
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["values"]["loss"], 0.5);
  EXPECT_EQ(buffer.Summary()["loss"], 0.5);
}

// The server stores steps from 0 and refuses a batch holding a negative one, which would lose
// the batch's other rows: a negative step is ignored here, with a one-time warning.
TEST(LogBuffer, NegativeStepIsIgnoredWithAOneTimeWarning) {
  LogBuffer buffer(1000);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(buffer.Append({{"loss", 9.0}}, -1), Result::kIgnored);
  EXPECT_EQ(buffer.Append({{"loss", 8.0}}, -2), Result::kIgnored);
  const std::string warnings = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warnings.find("ignoring Log at step -1: steps start at 0"), std::string::npos)
      << warnings;
  EXPECT_EQ(warnings.find("step -2"), std::string::npos) << "warned twice: " << warnings;
  EXPECT_EQ(buffer.Append({{"loss", 0.5}}, std::nullopt), Result::kAppended);
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["step"], 0);
}

TEST(LogBuffer, MergeAfterDrainSendsASecondRowAtTheSameStep) {
  LogBuffer buffer(1000);
  DrainedRows drained;
  buffer.Append({{"loss", 0.5}}, std::nullopt);
  DrainRows(buffer, drained);
  buffer.Append({{"accuracy", 0.9}}, 0);
  auto rows = DrainRows(buffer, drained);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Json{{"step", 0}, {"values", {{"accuracy", 0.9}}}}));
}

TEST(LogBuffer, SummaryKeepsTheLastValuePerKeyInFirstLoggedOrder) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}, {"epoch", 0}}, std::nullopt);
  buffer.Append({{"loss", 0.25}, {"accuracy", 0.75}}, std::nullopt);
  EXPECT_EQ(buffer.Summary().dump(), R"({"loss":0.25,"epoch":0,"accuracy":0.75})");
}

TEST(LogBuffer, KeepsIntegersFloatsBoolsAndStringsApart) {
  LogBuffer buffer(1000);
  buffer.Append({{"int", 3}, {"float", 3.0}, {"flag", true}, {"phase", "train"}}, std::nullopt);
  auto rows = DrainRows(buffer);
  EXPECT_EQ(rows[0]["values"].dump(), R"({"int":3,"float":3.0,"flag":true,"phase":"train"})");
}

TEST(LogBuffer, JsonValuesMayBeNested) {
  LogBuffer buffer(1000);
  buffer.Append(Json{{"eval", {{"loss", 0.1}}}, {"step_time", 2}}, std::nullopt);
  EXPECT_EQ(buffer.Summary().dump(), R"({"eval":{"loss":0.1},"step_time":2})");
}

TEST(LogBuffer, ReportsBatchFullWhenPendingRowsReachTheBatchSize) {
  LogBuffer buffer(3);
  EXPECT_EQ(buffer.Append({{"x", 1}}, std::nullopt), Result::kAppended);
  EXPECT_EQ(buffer.Append({{"x", 1}}, std::nullopt), Result::kAppended);
  EXPECT_EQ(buffer.Append({{"x", 1}}, std::nullopt), Result::kBatchFull);
  EXPECT_EQ(buffer.pending_rows(), 3u);
  DrainRows(buffer);
  EXPECT_EQ(buffer.pending_rows(), 0u);
}

TEST(LogBuffer, HandsOutEachKeyNameOnceAcrossDrains) {
  LogBuffer buffer(1000);
  DrainedRows drained;
  buffer.Append({{"loss", 1.0}, {"epoch", 0}}, std::nullopt);
  buffer.Drain(drained);
  buffer.Append({{"epoch", 1}, {"loss", 0.5}, {"accuracy", 0.5}}, std::nullopt);
  buffer.Drain(drained);
  EXPECT_EQ(drained.key_names, (std::vector<std::string>{"loss", "epoch", "accuracy"}));
}

TEST(LogBuffer, AppendAfterCloseIsIgnoredWithAWarning) {
  LogBuffer buffer(1000);
  buffer.Close();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(buffer.Append({{"loss", 1.0}}, std::nullopt), Result::kIgnored);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("after Finish"), std::string::npos);
  EXPECT_EQ(buffer.pending_rows(), 0u);
}

TEST(LogBuffer, RowsSpanningManyChunksDrainInOrder) {
  LogBuffer buffer(1'000'000);
  const int64_t count = 5 * LogChunk::kRows + 7;
  for (int64_t step = 0; step < count; ++step)
    buffer.Append({{"loss", static_cast<double>(step)}, {"epoch", step}}, std::nullopt);
  DrainedRows drained;
  auto rows = DrainRows(buffer, drained);
  EXPECT_GE(drained.chunks.size(), 6u);
  ASSERT_EQ(rows.size(), static_cast<size_t>(count));
  for (int64_t step = 0; step < count; ++step)
    ASSERT_EQ(rows[step], (Json{{"step", step}, {"values", {{"loss", step}, {"epoch", step}}}}));
  EXPECT_EQ(buffer.rows_logged(), static_cast<uint64_t>(count));
}

TEST(LogBuffer, MergeThatDoesNotFitTheChunkStartsASecondRowAtTheSameStep) {
  LogBuffer buffer(1'000'000);
  // Fill the chunk's entries up to one short of its capacity, all in one row at step 0.
  Json wide = Json::object();
  for (size_t index = 0; index + 1 < LogChunk::kEntries; ++index)
    wide["k" + std::to_string(index)] = static_cast<int64_t>(index);
  buffer.Append(wide, 0);
  buffer.Append({{"a", 1}, {"b", 2}}, 0);  // two more values: only one fits
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["step"], 0);
  EXPECT_EQ(rows[0]["values"].size(), LogChunk::kEntries - 1);
  EXPECT_EQ(rows[1], (Json{{"step", 0}, {"values", {{"a", 1}, {"b", 2}}}}));
  EXPECT_EQ(buffer.Summary()["b"], 2);
}

TEST(LogBuffer, ARowWiderThanAChunkIsKeptWhole) {
  LogBuffer buffer(1000);
  buffer.Append({{"before", 1}}, std::nullopt);
  Json wide = Json::object();
  for (size_t index = 0; index < 2 * LogChunk::kEntries; ++index)
    wide["k" + std::to_string(index)] = static_cast<int64_t>(index);
  buffer.Append(wide, std::nullopt);
  buffer.Append({{"after", 1}}, std::nullopt);
  auto rows = DrainRows(buffer);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1]["values"], wide);
  EXPECT_EQ(rows[2], (Json{{"step", 2}, {"values", {{"after", 1}}}}));
}

TEST(LogBuffer, RecycledChunksTakeNewRowsWithoutOldValues) {
  LogBuffer buffer(1000);
  DrainedRows drained;
  for (int round = 0; round < 3; ++round) {
    for (size_t row = 0; row < 3 * LogChunk::kRows; ++row)
      buffer.Append({{"phase", "round " + std::to_string(round)}}, std::nullopt);
    auto rows = DrainRows(buffer, drained);
    ASSERT_EQ(rows.size(), 3 * LogChunk::kRows);
    for (const Json& row : rows)
      ASSERT_EQ(row["values"]["phase"], "round " + std::to_string(round));
    buffer.Recycle(drained);
    EXPECT_TRUE(drained.chunks.empty());
    EXPECT_EQ(drained.row_count, 0u);
  }
}

}  // namespace
}  // namespace runhook::sdk
