// Several threads (and two connections to one file) using the store at once stay consistent.
// The threads start together on a latch; there are no sleeps.
#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

constexpr int kThreads = 6;

// Runs `body(thread_index)` on kThreads threads released together.
template <typename Body>
void RunTogether(int threads, Body body) {
  std::latch start(threads);
  std::vector<std::thread> workers;
  for (int index = 0; index < threads; ++index)
    workers.emplace_back([&, index] {
      start.arrive_and_wait();
      body(index);
    });
  for (std::thread& worker : workers) worker.join();
}

using ConcurrencyTest = StoreTest;

TEST_P(ConcurrencyTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  RunRecord run = SampleRun();
  run.summary = Json{{"count", 0}};
  ASSERT_TRUE(store_->CreateRun(run, {}, nullptr));
  constexpr int kIncrements = 25;
  RunTogether(kThreads, [&](int) {
    for (int done = 0; done < kIncrements;) {
      Result<RunRecord> current = store_->GetRun(run.key);
      ASSERT_TRUE(current) << Describe(current);
      current->summary["count"] = current->summary["count"].get<int>() + 1;
      Status status = store_->UpdateRun(*current, nullptr);
      if (status) {
        ++done;
      } else {
        ASSERT_EQ(status.error().code, ErrorCode::kConflict) << status.error().message;
      }
    }
  });
  Result<RunRecord> final_run = store_->GetRun(run.key);
  ASSERT_TRUE(final_run) << Describe(final_run);
  EXPECT_EQ(final_run->summary["count"], kThreads * kIncrements);
  EXPECT_EQ(final_run->version, kThreads * kIncrements);
}

TEST_P(ConcurrencyTest, ConcurrentClaimsHandOutEachDeliveryOnce) {
  std::vector<std::string> hooks;
  for (int i = 0; i < 120; ++i) hooks.push_back("hook-" + std::to_string(i));
  CreateRunWithDeliveries(*store_, "abc12345", 1000, hooks);
  std::vector<std::vector<int64_t>> claimed_by(kThreads);
  RunTogether(kThreads, [&](int index) {
    const std::string owner = "dispatcher-" + std::to_string(index);
    while (true) {
      Result<std::vector<Delivery>> claimed = store_->ClaimDueDeliveries(1000, 7, 60'000, owner);
      ASSERT_TRUE(claimed) << Describe(claimed);
      if (claimed->empty()) return;
      for (const Delivery& delivery : *claimed) {
        claimed_by[index].push_back(delivery.id);
        AttemptOutcome outcome;
        outcome.attempt.delivery_id = delivery.id;
        outcome.attempt.number = 1;
        outcome.new_state = DeliveryState::kDelivered;
        Status recorded = store_->RecordAttempts({outcome}).front();
        ASSERT_TRUE(recorded) << Describe(recorded);
      }
    }
  });
  std::set<int64_t> distinct;
  size_t total = 0;
  for (const auto& ids : claimed_by) {
    total += ids.size();
    distinct.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, hooks.size());
  EXPECT_EQ(distinct.size(), hooks.size());
  EXPECT_EQ(store_->ListDeliveries({.state = DeliveryState::kDelivered, .limit = 1000})->size(),
            hooks.size());
}

TEST_P(ConcurrencyTest, ConcurrentCreatesAndAppendsAllLand) {
  constexpr int kRunsPerThread = 10;
  RunTogether(kThreads, [&](int index) {
    for (int i = 0; i < kRunsPerThread; ++i) {
      RunRecord run = SampleRun("t" + std::to_string(index) + "r" + std::to_string(i));
      EventWrite event = SampleEvent("created", 1000, {"notify"});
      Status created = store_->CreateRun(run, {SampleHook("notify")}, &event);
      ASSERT_TRUE(created) << Describe(created);
      Status appended = store_->AppendHistory(run, "b" + std::to_string(i), {HistoryRow{0, {}}});
      ASSERT_TRUE(appended) << Describe(appended);
    }
  });
  EXPECT_EQ(store_->ListDeliveries({.limit = 1000})->size(), size_t{kThreads * kRunsPerThread});
  Result<RunRecord> last = store_->GetRun(SampleKey("t5r9"));
  ASSERT_TRUE(last) << Describe(last);
  EXPECT_EQ(last->version, 1);
  EXPECT_EQ(store_->GetHistory(last->key, 0, 10, -1)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backing, ConcurrencyTest, ::testing::Values("memory", "file"));

TEST(ConcurrencyAcrossConnections, TwoStoresOnOneFileNeverClaimTheSameDelivery) {
  TemporaryDirectory directory;
  const std::string path = (directory.path() / "runhook.db").string();
  std::unique_ptr<Store> first = OpenOrDie(path);
  std::unique_ptr<Store> second = OpenOrDie(path);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::vector<std::string> hooks;
  for (int i = 0; i < 60; ++i) hooks.push_back("hook-" + std::to_string(i));
  CreateRunWithDeliveries(*first, "abc12345", 1000, hooks);

  Store* stores[] = {first.get(), second.get()};
  std::vector<std::vector<int64_t>> claimed_by(2);
  RunTogether(2, [&](int index) {
    while (true) {
      Result<std::vector<Delivery>> claimed =
          stores[index]->ClaimDueDeliveries(1000, 3, 60'000, "replica-" + std::to_string(index));
      ASSERT_TRUE(claimed) << Describe(claimed);
      if (claimed->empty()) return;
      for (const Delivery& delivery : *claimed) claimed_by[index].push_back(delivery.id);
    }
  });
  std::set<int64_t> distinct(claimed_by[0].begin(), claimed_by[0].end());
  distinct.insert(claimed_by[1].begin(), claimed_by[1].end());
  EXPECT_EQ(claimed_by[0].size() + claimed_by[1].size(), hooks.size());
  EXPECT_EQ(distinct.size(), hooks.size());
}

}  // namespace
}  // namespace runhook::store::testing
