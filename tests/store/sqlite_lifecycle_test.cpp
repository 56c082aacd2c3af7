// The store's part of the run lifecycle: the lifecycle fields round-trip, crash-detector and
// periodic-hook queries, resuming with hooks replaced by name, the history tail, and events
// recorded with a history batch.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

class LifecycleTest : public StoreTest {
 protected:
  // Stores `run` created, then writes it as given (state, heartbeat, schedule).
  RunRecord Put(RunRecord run) {
    RunRecord created = run;
    created.state = core::RunState::kCreated;
    created.next_periodic_at_ms.reset();
    EXPECT_TRUE(store_->CreateRun(created, {SampleHook("notify")}, nullptr));
    EXPECT_TRUE(store_->UpdateRun(run, nullptr));
    return store_->GetRun(run.key).value();
  }
};

TEST_P(LifecycleTest, LifecycleFieldsRoundTrip) {
  RunRecord run = SampleRun();
  run.state = core::RunState::kRunning;
  run.resumed_count = 2;
  run.state_history =
      Json::parse(R"([{"event": "crashed", "at": 5}, {"event": "recovered", "at": 6}])");
  run.hook_state =
      Json::parse(R"({"when": {"acc": true}, "every": {"p": {"period": 1000, "next": 7}}})");
  run.next_periodic_at_ms = 7;
  RunRecord stored = Put(run);
  EXPECT_EQ(stored.resumed_count, 2);
  EXPECT_EQ(stored.state_history, run.state_history);
  EXPECT_EQ(stored.hook_state, run.hook_state);
  EXPECT_EQ(stored.next_periodic_at_ms, 7);
}

TEST_P(LifecycleTest, StaleRunningRunsAreListedOldestBeatFirst) {
  RunRecord old_beat = SampleRun("old");
  old_beat.state = core::RunState::kRunning;
  old_beat.heartbeat_at_ms = 1000;
  RunRecord newer_beat = SampleRun("newer");
  newer_beat.state = core::RunState::kRunning;
  newer_beat.heartbeat_at_ms = 2000;
  RunRecord fresh = SampleRun("fresh");
  fresh.state = core::RunState::kRunning;
  fresh.heartbeat_at_ms = 9000;
  RunRecord finished = SampleRun("finished");
  finished.state = core::RunState::kFinished;
  finished.heartbeat_at_ms = 10;
  for (const RunRecord& run : {newer_beat, old_beat, fresh, finished}) Put(run);

  auto stale = store_->ListStaleRunningRuns(5000, 10);
  ASSERT_TRUE(stale) << Describe(stale);
  ASSERT_EQ(stale->size(), 2u);
  EXPECT_EQ((*stale)[0].id, "old");
  EXPECT_EQ((*stale)[1].id, "newer");
  EXPECT_EQ(store_->ListStaleRunningRuns(5000, 1)->size(), 1u);
}

TEST_P(LifecycleTest, PeriodicDueRunsAndNextDueTime) {
  EXPECT_EQ(store_->NextPeriodicDueTime().value(), std::nullopt);
  RunRecord due = SampleRun("due");
  due.state = core::RunState::kRunning;
  due.next_periodic_at_ms = 100;
  RunRecord later = SampleRun("later");
  later.state = core::RunState::kRunning;
  later.next_periodic_at_ms = 500;
  RunRecord failed = SampleRun("failed");
  failed.state = core::RunState::kFailed;
  failed.next_periodic_at_ms = 50;
  for (const RunRecord& run : {due, later, failed}) Put(run);

  auto listed = store_->ListPeriodicDueRuns(200, 10);
  ASSERT_TRUE(listed) << Describe(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "due");
  EXPECT_EQ(store_->NextPeriodicDueTime().value(), std::optional<int64_t>(100));
}

TEST_P(LifecycleTest, ResumeReplacesHooksByNameAndAddsNewOnes) {
  RunRecord run = Put(SampleRun());
  ASSERT_TRUE(store_->DisableHook(run.key, "notify", "410"));
  HookSpec replaced = SampleHook("notify");
  replaced.url = "https://example.com/new";
  HookSpec added = SampleHook("extra");
  run.config = Json{{"lr", 0.5}};
  ASSERT_TRUE(store_->ResumeRun(run, {replaced, added}));
  auto hooks = store_->GetHooks(run.key);
  ASSERT_TRUE(hooks) << Describe(hooks);
  ASSERT_EQ(hooks->size(), 2u);
  EXPECT_EQ((*hooks)[0].name, "notify");
  EXPECT_EQ((*hooks)[0].url, "https://example.com/new");
  EXPECT_FALSE((*hooks)[0].disabled);
  EXPECT_EQ((*hooks)[1].name, "extra");
  EXPECT_EQ(store_->GetRun(run.key)->config, (Json{{"lr", 0.5}}));
  // The version moved on: the same stale record conflicts.
  EXPECT_EQ(store_->ResumeRun(run, {}).error().code, ErrorCode::kConflict);
}

TEST_P(LifecycleTest, LastHistoryIsTheTailInStepOrder) {
  RunRecord run = Put(SampleRun());
  std::vector<HistoryRow> rows;
  for (int64_t step = 0; step < 5; ++step) rows.push_back(HistoryRow{step, Json{{"x", step}}});
  ASSERT_TRUE(store_->AppendHistory(run, "b1", rows));
  auto tail = store_->GetLastHistory(run.key, 3);
  ASSERT_TRUE(tail) << Describe(tail);
  ASSERT_EQ(tail->size(), 3u);
  EXPECT_EQ((*tail)[0].step, 2);
  EXPECT_EQ((*tail)[2].step, 4);
}

TEST_P(LifecycleTest, HistoryBatchRecordsItsEventsOnce) {
  RunRecord run = Put(SampleRun());
  EventWrite when = SampleEvent("when", 3000, {"notify"});
  ASSERT_TRUE(store_->AppendHistory(run, "b1", {HistoryRow{0, {}}}, {when}));
  // The same batch again: acknowledged, its event not stored twice.
  ASSERT_TRUE(store_->AppendHistory(run, "b1", {HistoryRow{0, {}}}, {when}));
  auto events = store_->ListEvents(run.key);
  ASSERT_TRUE(events) << Describe(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "when");
  EXPECT_EQ(store_->ListDeliveries({.run = run.key})->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backing, LifecycleTest, ::testing::Values("memory", "file"));

}  // namespace
}  // namespace runhook::store::testing
