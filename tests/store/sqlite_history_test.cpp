// History: appends under the run's version, idempotent batch ids, step ranges and limits.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

class HistoryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    run_ = SampleRun();
    ASSERT_TRUE(store_->CreateRun(run_, {}, nullptr));
  }

  // Appends rows for `steps` as the server would: the run carries its new last_step and the
  // expected version; on success the local copy's version is bumped.
  Status Append(const std::string& batch_id, const std::vector<int64_t>& steps) {
    std::vector<HistoryRow> rows;
    for (int64_t step : steps)
      rows.push_back(HistoryRow{step, Json{{"loss", 1.0 / (step + 1)}, {"step", step}}});
    RunRecord next = run_;
    if (!steps.empty()) next.last_step = steps.back();
    next.summary = rows.empty() ? run_.summary : rows.back().values;
    Status status = store_->AppendHistory(next, batch_id, rows);
    if (status) {
      run_ = next;
      ++run_.version;
    }
    return status;
  }

  std::vector<int64_t> Steps(int64_t min_step, int64_t max_step, int64_t limit) {
    Result<std::vector<HistoryRow>> rows = store_->GetHistory(run_.key, min_step, max_step, limit);
    EXPECT_TRUE(rows) << Describe(rows);
    std::vector<int64_t> steps;
    if (rows)
      for (const HistoryRow& row : *rows) steps.push_back(row.step);
    return steps;
  }

  RunRecord run_;
};

TEST_P(HistoryTest, AppendedRowsReadBackInStepOrderWithValues) {
  ASSERT_TRUE(Append("b1", {0, 1, 2}));
  ASSERT_TRUE(Append("b2", {3}));
  Result<std::vector<HistoryRow>> rows = store_->GetHistory(run_.key, 0, 100, -1);
  ASSERT_TRUE(rows) << Describe(rows);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[2].step, 2);
  EXPECT_EQ((*rows)[2].values.dump(), Json({{"loss", 1.0 / 3}, {"step", 2}}).dump());
}

TEST_P(HistoryTest, ValuesOfEveryKindReadBackWithTheirTypes) {
  Json values = Json::parse(
      R"({"float": 3.0, "big_float": 100000.0, "tiny": 1e-7, "third": 0.3333333333333333,)"
      R"( "negative": -12, "unsigned": 18446744073709551615, "min": -9223372036854775808,)"
      R"( "yes": true, "no": false, "none": null, "text": "a \"quoted\" caf\u00e9",)"
      R"( "nested": {"list": [1, 2.5]}, "sp ace": 1})");
  Json flat = Json::parse(R"({"x": 2.0, "y": -0.0, "z": 1e300, "w": 7})");
  Json not_finite = Json{{"nan", std::nan("")}, {"infinite", HUGE_VAL}, {"k", 1}};
  RunRecord next = run_;
  next.last_step = 2;
  ASSERT_TRUE(store_->AppendHistory(
      next, "b1", {HistoryRow{0, values}, HistoryRow{1, flat}, HistoryRow{2, not_finite}}));
  Result<std::vector<HistoryRow>> rows = store_->GetHistory(run_.key, 0, 100, -1);
  ASSERT_TRUE(rows) << Describe(rows);
  ASSERT_EQ(rows->size(), 3u);
  for (const auto& [written, read] :
       {std::pair{values, (*rows)[0].values}, std::pair{flat, (*rows)[1].values}}) {
    EXPECT_EQ(read.dump(), written.dump());
    for (const auto& [key, value] : written.items())
      EXPECT_EQ(read[key].type(), value.type()) << key;
  }
  EXPECT_EQ((*rows)[2].values.dump(), R"({"nan":null,"infinite":null,"k":1})");
}

TEST_P(HistoryTest, AppendUpdatesRunSummaryLastStepAndVersion) {
  ASSERT_TRUE(Append("b1", {0, 1}));
  Result<RunRecord> read = store_->GetRun(run_.key);
  ASSERT_TRUE(read) << Describe(read);
  EXPECT_EQ(read->last_step, 1);
  EXPECT_EQ(read->version, 1);
  EXPECT_EQ(read->summary.dump(), R"({"loss":0.5,"step":1})");
}

TEST_P(HistoryTest, RepeatedBatchIdIsAcknowledgedAndNotStoredAgain) {
  ASSERT_TRUE(Append("b1", {0, 1}));
  RunRecord stale = run_;
  stale.version = 0;  // a retry built from the run as it was before the first try
  ASSERT_TRUE(store_->AppendHistory(stale, "b1", {HistoryRow{0, {}}, HistoryRow{1, {}}}));
  EXPECT_EQ(Steps(0, 100, -1), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(store_->GetRun(run_.key)->version, 1);
}

TEST_P(HistoryTest, BatchIdsAreScopedToTheirRun) {
  ASSERT_TRUE(Append("b1", {0}));
  RunRecord other = SampleRun("other123");
  ASSERT_TRUE(store_->CreateRun(other, {}, nullptr));
  ASSERT_TRUE(store_->AppendHistory(other, "b1", {HistoryRow{0, {}}}));
  EXPECT_EQ(store_->GetHistory(other.key, 0, 10, -1)->size(), 1u);
}

TEST_P(HistoryTest, EmptyBatchIdAppendsEveryTime) {
  ASSERT_TRUE(Append("", {0}));
  ASSERT_TRUE(Append("", {1}));
  EXPECT_EQ(Steps(0, 100, -1), (std::vector<int64_t>{0, 1}));
}

TEST_P(HistoryTest, StaleVersionIsAConflictAndStoresNoRows) {
  ASSERT_TRUE(Append("b1", {0}));
  RunRecord stale = run_;
  stale.version = 0;
  Status status = store_->AppendHistory(stale, "b2", {HistoryRow{1, {}}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Steps(0, 100, -1), (std::vector<int64_t>{0}));
  // The batch id was not recorded either, so a corrected retry is stored.
  ASSERT_TRUE(Append("b2", {1}));
  EXPECT_EQ(Steps(0, 100, -1), (std::vector<int64_t>{0, 1}));
}

TEST_P(HistoryTest, StepRangeIsInclusiveAndLimitCaps) {
  ASSERT_TRUE(Append("b1", {0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(Steps(2, 4, -1), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(Steps(2, 100, 2), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Steps(7, 100, -1), (std::vector<int64_t>{}));
  EXPECT_EQ(Steps(0, 100, 0), (std::vector<int64_t>{}));
}

TEST_P(HistoryTest, RowsAppendedOutOfOrderReadBackSortedByStep) {
  ASSERT_TRUE(Append("b1", {5, 6}));
  ASSERT_TRUE(Append("b2", {1}));
  EXPECT_EQ(Steps(0, 100, -1), (std::vector<int64_t>{1, 5, 6}));
}

// Each row's values say where it came from: {"batch": B, "index": I}.
std::vector<std::pair<int64_t, std::string>> Described(const std::vector<HistoryRow>& rows) {
  std::vector<std::pair<int64_t, std::string>> described;
  for (const HistoryRow& row : rows)
    described.emplace_back(row.step, row.values["batch"].dump() + "." + row.values["index"].dump());
  return described;
}

TEST_P(HistoryTest, OverlappingBatchesReadBackInStepThenAppendOrder) {
  const std::vector<std::vector<int64_t>> batches = {{0, 2, 4, 4}, {1, 4, 3}, {10}};
  for (size_t batch = 0; batch < batches.size(); ++batch) {
    std::vector<HistoryRow> rows;
    for (size_t index = 0; index < batches[batch].size(); ++index)
      rows.push_back(HistoryRow{batches[batch][index], Json{{"batch", batch}, {"index", index}}});
    RunRecord next = run_;
    ASSERT_TRUE(store_->AppendHistory(next, "b" + std::to_string(batch), rows));
    ++run_.version;
  }
  using Expected = std::vector<std::pair<int64_t, std::string>>;
  Result<std::vector<HistoryRow>> all = store_->GetHistory(run_.key, 0, 100, -1);
  ASSERT_TRUE(all) << Describe(all);
  EXPECT_EQ(Described(*all), (Expected{{0, "0.0"},
                                       {1, "1.0"},
                                       {2, "0.1"},
                                       {3, "1.2"},
                                       {4, "0.2"},
                                       {4, "0.3"},
                                       {4, "1.1"},
                                       {10, "2.0"}}));
  EXPECT_EQ(Described(store_->GetHistory(run_.key, 2, 100, 4).value()),
            (Expected{{2, "0.1"}, {3, "1.2"}, {4, "0.2"}, {4, "0.3"}}));
  EXPECT_EQ(Described(store_->GetLastHistory(run_.key, 3).value()),
            (Expected{{4, "0.3"}, {4, "1.1"}, {10, "2.0"}}));
  EXPECT_EQ(Described(store_->GetLastHistory(run_.key, 100).value()), Described(*all));
}

TEST_P(HistoryTest, LargeBatchIsReadBackWholeAndByRange) {
  std::vector<int64_t> steps(2500);
  for (size_t index = 0; index < steps.size(); ++index) steps[index] = static_cast<int64_t>(index);
  ASSERT_TRUE(Append("b1", steps));
  EXPECT_EQ(Steps(0, 10'000, -1), steps);
  EXPECT_EQ(Steps(1020, 1030, 3), (std::vector<int64_t>{1020, 1021, 1022}));
  Result<std::vector<HistoryRow>> tail = store_->GetLastHistory(run_.key, 2);
  ASSERT_TRUE(tail) << Describe(tail);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].step, 2498);
  EXPECT_EQ((*tail)[1].values["loss"], 1.0 / 2500);
}

TEST_P(HistoryTest, MissingRunIsNotFound) {
  EXPECT_EQ(store_->GetHistory(SampleKey("nope"), 0, 1, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->AppendHistory(SampleRun("nope"), "b", {}).error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backing, HistoryTest, ::testing::Values("memory", "file"));

// Creates `run` in a store file at `path` with one history row (step 0, loss 2.0) as batch "b1",
// closes the store, and leaves `run.version` as the store has it.
void CreateRunWithOneRow(const std::string& path, RunRecord& run) {
  std::unique_ptr<Store> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateRun(run, {}, nullptr));
  ASSERT_TRUE(store->AppendHistory(run, "b1", {HistoryRow{0, Json{{"loss", 2.0}}}}));
  ++run.version;
}

// Blocks are written in the compact encoding; blocks of JSON text, as databases written before it
// hold, still read, beside new ones.
TEST(HistoryBlocks, JsonBlocksWrittenBeforeTheCompactEncodingStillRead) {
  TemporaryDirectory directory;
  const std::string path = (directory.path() / "runhook.db").string();
  RunRecord run = SampleRun();
  ASSERT_NO_FATAL_FAILURE(CreateRunWithOneRow(path, run));
  EXPECT_EQ(QueryFile(path,
                      "SELECT COUNT(*) FROM history_blocks WHERE typeof(block_rows) = 'blob'"
                      " AND substr(block_rows, 1, 3) = CAST('RHB' AS BLOB)"),
            1);
  // A block as the JSON writer stored it: text, numbers as written.
  ExecuteOnFile(path, R"sql(
    INSERT INTO history_blocks (run_pk, sequence, first_step, last_step, row_count, block_rows)
    SELECT pk, 1, 1, 3, 2,
      '[[3,{"loss":0.5,"n":18446744073709551615,"neg":-3,"s":"café","o":{"a":[1]}}],'
      || '[1,{"loss":1.0,"none":null}]]'
    FROM runs)sql");
  std::unique_ptr<Store> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->AppendHistory(run, "b2", {HistoryRow{2, Json{{"loss", 0.75}}}}));
  Result<std::vector<HistoryRow>> rows = store->GetHistory(run.key, 0, 10, -1);
  ASSERT_TRUE(rows) << Describe(rows);
  ASSERT_EQ(rows->size(), 4u);
  std::vector<std::string> dumped;
  for (const HistoryRow& row : *rows)
    dumped.push_back(std::to_string(row.step) + row.values.dump());
  EXPECT_EQ(dumped,
            (std::vector<std::string>{
                R"(0{"loss":2.0})", R"(1{"loss":1.0,"none":null})", R"(2{"loss":0.75})",
                R"(3{"loss":0.5,"n":18446744073709551615,"neg":-3,"s":"café","o":{"a":[1]}})"}));
  EXPECT_TRUE((*rows)[3].values["n"].is_number_unsigned());
  EXPECT_FALSE((*rows)[3].values["neg"].is_number_unsigned());
  Result<std::vector<HistoryRow>> last = store->GetLastHistory(run.key, 2);
  ASSERT_TRUE(last) << Describe(last);
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ((*last)[0].step, 2);
  EXPECT_EQ((*last)[1].step, 3);
}

// A block whose bytes are damaged is named in the error, whichever form it has.
TEST(HistoryBlocks, DamagedBlocksAreNamed) {
  TemporaryDirectory directory;
  const std::string path = (directory.path() / "runhook.db").string();
  RunRecord run = SampleRun();
  ASSERT_NO_FATAL_FAILURE(CreateRunWithOneRow(path, run));
  ExecuteOnFile(path, "UPDATE history_blocks SET block_rows = substr(block_rows, 1, 9)");
  std::unique_ptr<Store> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  Result<std::vector<HistoryRow>> rows = store->GetHistory(run.key, 0, 10, -1);
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kInternal);
  EXPECT_NE(rows.error().message.find("stored history block 0 of run row"), std::string::npos)
      << rows.error().message;
  EXPECT_NE(rows.error().message.find("history block is malformed at byte 5: truncated string"),
            std::string::npos)
      << rows.error().message;
}

}  // namespace
}  // namespace runhook::store::testing
