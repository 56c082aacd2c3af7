// Many threads logging into one run while rows ship, Flush and Finish race with them, and the
// server fails for a while: every row the SDK accepted reaches the (real, local HTTP) receiver
// exactly once, each thread's rows in the order it logged them. scripts/test.sh also runs these
// under ThreadSanitizer (build-tsan/).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "runhook/runhook.h"
#include "sdk/log_buffer.h"
#include "sdk/shipper.h"
#include "test_receiver.h"

namespace runhook {
namespace {

using std::chrono::milliseconds;
using testing::TestReceiver;

constexpr int kThreads = 6;

Options QuietOptions(const TestReceiver& receiver) {
  return Options{
      .project = "concurrency", .entity = "alice", .server_url = receiver.url(), .quiet = true};
}

// Checks the received rows, each {"thread": t, "index": i}: no step twice, no (thread, index)
// twice, and each thread's indices are 0, 1, 2, ... in step order (nothing lost in between).
// Returns the number of rows received per thread.
std::vector<int64_t> CheckRowsPerThread(const std::vector<Json>& rows) {
  std::vector<int64_t> next_index(kThreads, 0);
  std::set<int64_t> steps;
  int64_t previous_step = -1;
  for (const Json& row : rows) {
    const int64_t step = row.at("step").get<int64_t>();
    EXPECT_TRUE(steps.insert(step).second) << "step " << step << " arrived twice";
    EXPECT_GT(step, previous_step) << "rows arrived out of step order";
    previous_step = step;
    const int64_t thread = row.at("values").at("thread").get<int64_t>();
    const int64_t index = row.at("values").at("index").get<int64_t>();
    if (thread < 0 || thread >= kThreads) {
      ADD_FAILURE() << "unexpected row " << row.dump();
      continue;
    }
    EXPECT_EQ(index, next_index[thread]) << "thread " << thread << ": row lost or repeated";
    next_index[thread] = index + 1;
  }
  return next_index;
}

// Starts kThreads threads that each call `log(thread, index)` for index 0, 1, ... until
// `per_thread` calls or until `stop` is set; `logged[thread]` counts the calls that returned.
class LoggingThreads {
 public:
  template <typename Log>
  LoggingThreads(int64_t per_thread, Log log) : logged_(kThreads) {
    for (int thread = 0; thread < kThreads; ++thread)
      threads_.emplace_back([this, thread, per_thread, log] {
        for (int64_t index = 0; index < per_thread && !stop_.load(); ++index) {
          log(thread, index);
          logged_[thread].fetch_add(1);
        }
      });
  }
  ~LoggingThreads() { Join(); }

  void Stop() { stop_ = true; }
  void Join() {
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
  }
  int64_t logged(int thread) const { return logged_[thread].load(); }
  bool AllLoggedAtLeast(int64_t count) const {
    for (int thread = 0; thread < kThreads; ++thread)
      if (logged(thread) < count) return false;
    return true;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::atomic<int64_t>> logged_;
  std::vector<std::thread> threads_;
};

TEST(Concurrency, ManyThreadsLoggingShipEveryRowExactlyOnceInEachThreadsOrder) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  constexpr int64_t kPerThread = 2000;
  LoggingThreads threads(kPerThread, [&](int thread, int64_t index) {
    run.Log({{"thread", thread}, {"index", index}, {"loss", 1.0 / (index + 1)}});
  });
  threads.Join();
  run.Finish();
  const auto rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int64_t received : CheckRowsPerThread(rows)) EXPECT_EQ(received, kPerThread);
  EXPECT_EQ(rows.back()["step"], kThreads * kPerThread - 1);
  EXPECT_EQ(receiver.Requests().back().verb, "finish");
}

TEST(Concurrency, FinishRacingLogKeepsEveryRowLoggedBeforeIt) {
  TestReceiver receiver;
  Options options = QuietOptions(receiver);
  options.finish_timeout = std::chrono::seconds(60);  // ample for the rows below, even under TSan
  auto run = Init(options);
  ::testing::internal::CaptureStderr();  // "ignoring Log after Finish"
  // Bounded, so that Finish ships everything by its deadline; Finish starts at about 500.
  LoggingThreads threads(10000, [&](int thread, int64_t index) {
    run.Log({{"thread", thread}, {"index", index}});
  });
  ASSERT_TRUE(testing::Eventually([&] { return threads.AllLoggedAtLeast(500); }));
  std::vector<int64_t> logged_before_finish(kThreads);
  for (int thread = 0; thread < kThreads; ++thread)
    logged_before_finish[thread] = threads.logged(thread);
  // Two threads finish at once while the others keep logging: one finish request is sent.
  std::thread other_finisher([&] { run.Finish(); });
  run.Finish();
  other_finisher.join();
  threads.Stop();
  threads.Join();
  ::testing::internal::GetCapturedStderr();

  const auto rows = receiver.HistoryRows();
  const std::vector<int64_t> received = CheckRowsPerThread(rows);
  for (int thread = 0; thread < kThreads; ++thread) {
    EXPECT_GE(received[thread], logged_before_finish[thread]) << "thread " << thread;
    EXPECT_LE(received[thread], threads.logged(thread)) << "thread " << thread;
  }
  ASSERT_EQ(receiver.Requests("finish").size(), 1u);
  EXPECT_EQ(receiver.Requests().back().verb, "finish");
}

TEST(Concurrency, ManyThreadsLoggingThroughServerErrorsDeliverEveryRowOnceInOrder) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  receiver.FailHistory(4, 503);  // the shipper spools meanwhile and resends from the spool
  constexpr int64_t kPerThread = 1500;
  LoggingThreads threads(kPerThread, [&](int thread, int64_t index) {
    run.Log({{"thread", thread}, {"index", index}});
  });
  threads.Join();
  run.Finish();
  const auto rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int64_t received : CheckRowsPerThread(rows)) EXPECT_EQ(received, kPerThread);
  EXPECT_EQ(receiver.Requests().back().verb, "finish");
}

TEST(Concurrency, FlushRacingLogShipsEverythingLoggedBeforeTheFlush) {
  TestReceiver receiver;
  sdk::LogBuffer buffer(1000);
  sdk::Shipper shipper(buffer, std::make_unique<sdk::HttpClient>(receiver.url(), ""),
                       "/api/v1/runs/alice/concurrency/abc12345",
                       sdk::ShipperOptions{.ship_interval = milliseconds(5)});
  shipper.Start();
  constexpr int64_t kPerThread = 3000;
  LoggingThreads threads(kPerThread, [&](int thread, int64_t index) {
    if (buffer.Append({{"thread", thread}, {"index", index}}, std::nullopt) ==
        sdk::LogBuffer::AppendResult::kBatchFull)
      shipper.Wake();
  });
  // Flush over and over while the threads log (at least 5 times, until they are done).
  for (int flush = 0; flush < 5 || !threads.AllLoggedAtLeast(kPerThread); ++flush) {
    const uint64_t logged_before = buffer.rows_logged();
    ASSERT_TRUE(shipper.Flush(std::chrono::steady_clock::now() + milliseconds(10'000)));
    ASSERT_GE(receiver.HistoryRows().size(), logged_before) << "flush " << flush;
  }
  threads.Join();
  const auto result = shipper.Shutdown(std::chrono::steady_clock::now() + milliseconds(10'000));
  EXPECT_TRUE(result.all_shipped) << result.last_error;
  const auto rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), buffer.rows_logged());
  int64_t total = 0;
  const std::vector<int64_t> received = CheckRowsPerThread(rows);
  for (int thread = 0; thread < kThreads; ++thread) {
    EXPECT_EQ(received[thread], threads.logged(thread)) << "thread " << thread;
    total += received[thread];
  }
  EXPECT_EQ(static_cast<size_t>(total), rows.size());
}

}  // namespace
}  // namespace runhook
