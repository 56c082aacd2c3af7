// Metric series (metric_chunks): numeric history values as packed per-key points, appended in
// the history transaction, read back in step order by range, and backfilled by the migration.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <utility>

#include "store/metric_chunks.h"
#include "store/schema.h"
#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

using sqlite::kMaxPointsPerChunk;
constexpr int64_t kAllSteps = std::numeric_limits<int64_t>::max();

// Rows with "loss" = step * 0.5 at each step.
std::vector<HistoryRow> LossRows(int64_t first_step, int64_t count) {
  std::vector<HistoryRow> rows;
  for (int64_t step = first_step; step < first_step + count; ++step)
    rows.push_back(HistoryRow{step, Json{{"loss", static_cast<double>(step) * 0.5}}});
  return rows;
}

// Appends `rows` to `run` as the server would and bumps the local version on success.
Status AppendRows(Store& store, RunRecord& run, const std::string& batch_id,
                  const std::vector<HistoryRow>& rows) {
  RunRecord next = run;
  if (!rows.empty()) next.last_step = rows.back().step;
  Status status = store.AppendHistory(next, batch_id, rows);
  if (status) {
    run = next;
    ++run.version;
  }
  return status;
}

// Collects what VisitMetricPoints hands over: the summary, each call's points, and all points
// sorted by step (stable, so equal steps keep the order handed over).
class CollectingVisitor : public MetricPointVisitor {
 public:
  void OnRange(const MetricRangeSummary& summary) override {
    ++range_calls;
    this->summary = summary;
  }
  void OnPoints(std::span<const int64_t> steps, std::span<const double> values) override {
    EXPECT_EQ(range_calls, 1) << "OnPoints before OnRange";
    EXPECT_EQ(steps.size(), values.size());
    EXPECT_FALSE(steps.empty());
    EXPECT_TRUE(std::is_sorted(steps.begin(), steps.end()));
    EXPECT_LE(steps.size(), kMaxPointsPerChunk);
    call_sizes.push_back(steps.size());
    for (size_t index = 0; index < steps.size(); ++index)
      pairs.emplace_back(steps[index], values[index]);
  }
  MetricPoints SortedPoints() const {
    std::vector<std::pair<int64_t, double>> sorted = pairs;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& left, const auto& right) { return left.first < right.first; });
    MetricPoints points;
    for (const auto& [step, value] : sorted) {
      points.steps.push_back(step);
      points.values.push_back(value);
    }
    return points;
  }

  int range_calls = 0;
  MetricRangeSummary summary;
  std::vector<size_t> call_sizes;
  std::vector<std::pair<int64_t, double>> pairs;  // in the order handed over
};

// The points VisitMetricPoints hands over, sorted by step.
Result<MetricPoints> ReadPoints(Store& store, const RunKey& key, const std::string& metric_key,
                                int64_t min_step, int64_t max_step) {
  CollectingVisitor visitor;
  if (Status status = store.VisitMetricPoints(key, metric_key, min_step, max_step, visitor);
      !status)
    return status.error();
  EXPECT_EQ(visitor.range_calls, 1);
  const auto count = static_cast<int64_t>(visitor.pairs.size());
  EXPECT_GE(visitor.summary.point_count_bound, count);
  for (const auto& [step, value] : visitor.pairs) {
    EXPECT_LE(visitor.summary.first_step, step);
    EXPECT_GE(visitor.summary.last_step, step);
  }
  return visitor.SortedPoints();
}

void ExpectLossPoints(const MetricPoints& points, int64_t first_step, int64_t last_step) {
  ASSERT_EQ(points.steps.size(), static_cast<size_t>(last_step - first_step + 1));
  ASSERT_EQ(points.values.size(), points.steps.size());
  for (size_t index = 0; index < points.steps.size(); ++index) {
    const int64_t step = first_step + static_cast<int64_t>(index);
    ASSERT_EQ(points.steps[index], step) << "at index " << index;
    ASSERT_EQ(points.values[index], static_cast<double>(step) * 0.5) << "at step " << step;
  }
}

class MetricChunksTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    run_ = SampleRun();
    ASSERT_TRUE(store_->CreateRun(run_, {}, nullptr));
  }

  Status Append(const std::string& batch_id, const std::vector<HistoryRow>& rows) {
    return AppendRows(*store_, run_, batch_id, rows);
  }

  MetricPoints Points(const std::string& key, int64_t min_step = 0, int64_t max_step = kAllSteps) {
    Result<MetricPoints> points = ReadPoints(*store_, run_.key, key, min_step, max_step);
    EXPECT_TRUE(points) << Describe(points);
    return points ? *points : MetricPoints{};
  }

  RunRecord run_;
};

TEST_P(MetricChunksTest, OnlyFiniteNumbersBecomePoints) {
  ASSERT_TRUE(Append("b1", {HistoryRow{0, Json{{"loss", 0.5},
                                               {"epoch", 3},
                                               {"big", uint64_t{1} << 40},
                                               {"ok", true},
                                               {"name", "x"},
                                               {"nested", Json{{"a", 1}}},
                                               {"list", Json::array({1, 2})},
                                               {"none", nullptr},
                                               {"nan", std::nan("")},
                                               {"inf", HUGE_VAL}}}}));
  Result<std::vector<std::string>> keys = store_->ListMetricKeys(run_.key);
  ASSERT_TRUE(keys) << Describe(keys);
  EXPECT_EQ(*keys, (std::vector<std::string>{"big", "epoch", "loss"}));
  EXPECT_EQ(Points("epoch").values, std::vector<double>{3.0});
  EXPECT_EQ(Points("big").values, std::vector<double>{1099511627776.0});
  EXPECT_TRUE(Points("nan").steps.empty());
  EXPECT_TRUE(Points("never-logged").steps.empty());
}

TEST_P(MetricChunksTest, KeysWithSlashesAndSeveralKeysPerRowAreKeptApart) {
  ASSERT_TRUE(Append("b1", {HistoryRow{0, Json{{"train/loss", 2.0}, {"val/loss", 3.0}}},
                            HistoryRow{1, Json{{"train/loss", 1.0}}}}));
  EXPECT_EQ(store_->ListMetricKeys(run_.key).value(),
            (std::vector<std::string>{"train/loss", "val/loss"}));
  MetricPoints train = Points("train/loss");
  EXPECT_EQ(train.steps, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(train.values, (std::vector<double>{2.0, 1.0}));
  EXPECT_EQ(Points("val/loss").steps, std::vector<int64_t>{0});
}

TEST_P(MetricChunksTest, BatchesExtendChunksAndRollOverIntoNewOnes) {
  // Batches of odd sizes so that chunk boundaries fall inside batches.
  const int64_t total = 3 * static_cast<int64_t>(kMaxPointsPerChunk) + 17;
  int64_t step = 0;
  int batch = 0;
  for (int64_t size : {int64_t{1}, int64_t{700}, int64_t{2000}, int64_t{3000}}) {
    ASSERT_TRUE(Append("b" + std::to_string(batch++), LossRows(step, size)));
    step += size;
  }
  ASSERT_TRUE(Append("b" + std::to_string(batch++), LossRows(step, total - step)));
  ExpectLossPoints(Points("loss"), 0, total - 1);
}

TEST_P(MetricChunksTest, RangeReadsReturnOnlyTheStepsInside) {
  const int64_t total = 2 * static_cast<int64_t>(kMaxPointsPerChunk) + 100;
  ASSERT_TRUE(Append("b1", LossRows(0, total)));
  ExpectLossPoints(Points("loss", 10, 20), 10, 20);
  // Across a chunk boundary.
  const auto boundary = static_cast<int64_t>(kMaxPointsPerChunk);
  ExpectLossPoints(Points("loss", boundary - 5, boundary + 5), boundary - 5, boundary + 5);
  ExpectLossPoints(Points("loss", total - 3, kAllSteps), total - 3, total - 1);
  ExpectLossPoints(Points("loss", 7, 7), 7, 7);
  EXPECT_TRUE(Points("loss", total, kAllSteps).steps.empty());
  EXPECT_TRUE(Points("loss", 20, 10).steps.empty());
}

TEST_P(MetricChunksTest, RetriedBatchIdStoresItsPointsOnce) {
  ASSERT_TRUE(Append("b1", LossRows(0, 10)));
  RunRecord stale = run_;  // a retry arrives with the version of the first try
  --stale.version;
  ASSERT_TRUE(store_->AppendHistory(stale, "b1", LossRows(0, 10)));
  ExpectLossPoints(Points("loss"), 0, 9);
}

TEST_P(MetricChunksTest, RejectedAppendStoresNoPoints) {
  RunRecord stale = run_;
  stale.version += 5;  // a version the store does not have: kConflict
  Status status = store_->AppendHistory(stale, "b1", LossRows(0, 10));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(Points("loss").steps.empty());
  EXPECT_TRUE(store_->ListMetricKeys(run_.key)->empty());
}

TEST_P(MetricChunksTest, StepsLoggedOutOfOrderReadBackInStepOrder) {
  ASSERT_TRUE(Append("b1", LossRows(100, 10)));
  // Lower steps into the same (not full) chunk, and a batch out of order within itself.
  ASSERT_TRUE(Append("b2", LossRows(50, 5)));
  ASSERT_TRUE(
      Append("b3", {HistoryRow{60, Json{{"loss", 30.0}}}, HistoryRow{10, Json{{"loss", 5.0}}}}));
  // Fill the chunk, then overlap a full chunk with lower steps from a new one.
  ASSERT_TRUE(Append("b4", LossRows(1000, static_cast<int64_t>(kMaxPointsPerChunk))));
  ASSERT_TRUE(Append("b5", LossRows(0, 3)));
  MetricPoints points = Points("loss");
  ASSERT_EQ(points.steps.size(), 10u + 5u + 2u + kMaxPointsPerChunk + 3u);
  EXPECT_TRUE(std::is_sorted(points.steps.begin(), points.steps.end()));
  for (size_t index = 0; index < points.steps.size(); ++index)
    ASSERT_EQ(points.values[index], static_cast<double>(points.steps[index]) * 0.5)
        << "at step " << points.steps[index];
  ExpectLossPoints(Points("loss", 0, 2), 0, 2);
  ExpectLossPoints(Points("loss", 50, 54), 50, 54);
}

TEST_P(MetricChunksTest, EqualStepsKeepTheOrderLogged) {
  ASSERT_TRUE(Append("b1", {HistoryRow{5, Json{{"loss", 1.0}}}}));
  ASSERT_TRUE(Append("b2", {HistoryRow{5, Json{{"loss", 2.0}}}, HistoryRow{3, Json{{"loss", 0.0}}},
                            HistoryRow{5, Json{{"loss", 3.0}}}}));
  MetricPoints points = Points("loss");
  EXPECT_EQ(points.steps, (std::vector<int64_t>{3, 5, 5, 5}));
  EXPECT_EQ(points.values, (std::vector<double>{0.0, 1.0, 2.0, 3.0}));
}

TEST_P(MetricChunksTest, VisitStreamsOneChunkAtATimeWithASummaryFirst) {
  const auto chunk = static_cast<int64_t>(kMaxPointsPerChunk);
  ASSERT_TRUE(Append("b1", LossRows(0, 3 * chunk)));
  // The range ends inside the first and the third chunk: the bound counts all three chunks.
  CollectingVisitor visitor;
  ASSERT_TRUE(store_->VisitMetricPoints(run_.key, "loss", 100, 2 * chunk + 99, visitor));
  EXPECT_EQ(visitor.summary.point_count_bound, 3 * chunk);
  EXPECT_EQ(visitor.summary.first_step, 100);
  EXPECT_EQ(visitor.summary.last_step, 2 * chunk + 99);
  EXPECT_EQ(visitor.call_sizes,
            (std::vector<size_t>{kMaxPointsPerChunk - 100, kMaxPointsPerChunk, 100}));
  ExpectLossPoints(visitor.SortedPoints(), 100, 2 * chunk + 99);
  // A range inside a chunk's gap: the chunk overlaps it, none of its points is in it.
  ASSERT_TRUE(Append("b2", {HistoryRow{5 * chunk, Json{{"loss", 1.0}}},
                            HistoryRow{10 * chunk, Json{{"loss", 2.0}}}}));
  CollectingVisitor gap;
  ASSERT_TRUE(store_->VisitMetricPoints(run_.key, "loss", 5 * chunk + 1, 10 * chunk - 1, gap));
  EXPECT_EQ(gap.summary.point_count_bound, 2);
  EXPECT_EQ(gap.summary.first_step, 5 * chunk + 1);
  EXPECT_EQ(gap.summary.last_step, 10 * chunk - 1);
  EXPECT_TRUE(gap.call_sizes.empty());
  CollectingVisitor none;
  ASSERT_TRUE(store_->VisitMetricPoints(run_.key, "never-logged", 0, kAllSteps, none));
  EXPECT_EQ(none.range_calls, 1);
  EXPECT_EQ(none.summary.point_count_bound, 0);
  EXPECT_TRUE(none.call_sizes.empty());
}

TEST_P(MetricChunksTest, OverlappingChunksComeInAppendOrder) {
  const auto chunk = static_cast<int64_t>(kMaxPointsPerChunk);
  ASSERT_TRUE(Append("b1", LossRows(1000, chunk)));  // one full chunk, steps 1000..
  ASSERT_TRUE(Append("b2", LossRows(0, 10)));        // a new chunk below it
  CollectingVisitor visitor;
  ASSERT_TRUE(store_->VisitMetricPoints(run_.key, "loss", 5, 1004, visitor));
  EXPECT_EQ(visitor.summary.first_step, 5);
  EXPECT_EQ(visitor.summary.last_step, 1004);
  EXPECT_EQ(visitor.summary.point_count_bound, chunk + 10);
  EXPECT_EQ(visitor.call_sizes, (std::vector<size_t>{5, 5}));
  ASSERT_EQ(visitor.pairs.size(), 10u);
  EXPECT_EQ(visitor.pairs.front().first, 1000);  // the first chunk appended comes first
  EXPECT_EQ(visitor.pairs.back().first, 9);
}

TEST_P(MetricChunksTest, UnknownRunIsNotFound) {
  Result<MetricPoints> points = ReadPoints(*store_, SampleKey("missing1"), "loss", 0, 10);
  ASSERT_FALSE(points);
  EXPECT_EQ(points.error().code, ErrorCode::kNotFound);
  Result<std::vector<std::string>> keys = store_->ListMetricKeys(SampleKey("missing1"));
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backing, MetricChunksTest, ::testing::Values("memory", "file"));

class MetricChunksFileTest : public ::testing::Test {
 protected:
  std::string Path() const { return (directory_.path() / "runhook.db").string(); }
  TemporaryDirectory directory_;
};

TEST_F(MetricChunksFileTest, SmallBatchesFillChunksBeforeStartingNewOnes) {
  {
    std::unique_ptr<Store> store = OpenOrDie(Path());
    RunRecord run = SampleRun();
    ASSERT_TRUE(store->CreateRun(run, {}, nullptr));
    // Batches of 8 points: the first chunk fills exactly, the second holds the last batch.
    const int64_t total = static_cast<int64_t>(kMaxPointsPerChunk) + 8;
    for (int64_t step = 0; step < total; step += 8)
      ASSERT_TRUE(AppendRows(*store, run, "b" + std::to_string(step), LossRows(step, 8)));
  }
  EXPECT_EQ(QueryFile(Path(), "SELECT COUNT(*) FROM metric_chunks"), 2);
  EXPECT_EQ(QueryFile(Path(), "SELECT point_count FROM metric_chunks WHERE sequence = 0"),
            static_cast<int64_t>(kMaxPointsPerChunk));
  EXPECT_EQ(QueryFile(Path(), "SELECT point_count FROM metric_chunks WHERE sequence = 1"), 8);
  EXPECT_EQ(QueryFile(Path(), "SELECT last_step FROM metric_chunks WHERE sequence = 1"),
            static_cast<int64_t>(kMaxPointsPerChunk) + 7);
  EXPECT_EQ(QueryFile(Path(), "SELECT max_value * 2 FROM metric_chunks WHERE sequence = 0"),
            static_cast<int64_t>(kMaxPointsPerChunk) - 1);
}

TEST_F(MetricChunksFileTest, MigrationBackfillsChunksFromExistingHistory) {
  const int64_t total = static_cast<int64_t>(kMaxPointsPerChunk) + 500;
  {
    std::unique_ptr<Store> store = OpenOrDie(Path());
    RunRecord first = SampleRun("first123");
    RunRecord second = SampleRun("second12");
    ASSERT_TRUE(store->CreateRun(first, {}, nullptr));
    ASSERT_TRUE(store->CreateRun(second, {}, nullptr));
    ASSERT_TRUE(AppendRows(*store, first, "b1", LossRows(0, total)));
    ASSERT_TRUE(AppendRows(*store, second, "b1",
                           {HistoryRow{0, Json{{"acc", 0.25}, {"note", "text"}}},
                            HistoryRow{1, Json{{"acc", 0.75}}}}));
  }
  // The database as schema version 6 left it: history rows, no metric_chunks.
  MoveHistoryBackToRows(Path());
  ExecuteOnFile(Path(), "DROP TABLE metric_chunks; PRAGMA user_version = 6;");
  std::unique_ptr<Store> store = OpenOrDie(Path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryFile(Path(), "PRAGMA user_version"), sqlite::CurrentSchemaVersion());
  Result<MetricPoints> loss = ReadPoints(*store, SampleKey("first123"), "loss", 0, kAllSteps);
  ASSERT_TRUE(loss) << Describe(loss);
  ExpectLossPoints(*loss, 0, total - 1);
  EXPECT_EQ(store->ListMetricKeys(SampleKey("first123")).value(), std::vector<std::string>{"loss"});
  EXPECT_EQ(store->ListMetricKeys(SampleKey("second12")).value(), std::vector<std::string>{"acc"});
  Result<MetricPoints> accuracy = ReadPoints(*store, SampleKey("second12"), "acc", 0, kAllSteps);
  ASSERT_TRUE(accuracy) << Describe(accuracy);
  EXPECT_EQ(accuracy->values, (std::vector<double>{0.25, 0.75}));
  // Appends after the backfill continue the same series.
  RunRecord second = store->GetRun(SampleKey("second12")).value();
  ASSERT_TRUE(AppendRows(*store, second, "b2", {HistoryRow{2, Json{{"acc", 1.0}}}}));
  EXPECT_EQ(ReadPoints(*store, SampleKey("second12"), "acc", 0, kAllSteps)->steps,
            (std::vector<int64_t>{0, 1, 2}));
}

}  // namespace
}  // namespace runhook::store::testing
