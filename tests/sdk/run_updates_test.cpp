// Run::UpdateConfig, Run::SetSummary and Run::DefineMetric against a real local HTTP receiver:
// queued, sent in order after the rows logged before them, and reflected locally.
#include <gtest/gtest.h>

#include <chrono>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "runhook/runhook.h"
#include "sdk/run_access.h"
#include "test_receiver.h"

namespace runhook {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::HasVerb;
using testing::RecordedRequest;
using testing::TestReceiver;

Options QuietOptions(const TestReceiver& receiver) {
  return Options{.project = "updates",
                 .entity = "alice",
                 .config = {{"lr", 0.1}, {"epochs", 3}},
                 .server_url = receiver.url(),
                 .quiet = true};
}

TEST(RunUpdates, AreQueuedAndSentAfterTheRowsLoggedBeforeThemInOrder) {
  TestReceiver receiver;
  receiver.HangHistory(true);
  auto run = Init(QuietOptions(receiver));
  run.Log({{"loss", 0.5}});
  const auto before = Clock::now();
  run.UpdateConfig({{"epochs", 5}, {"optimizer", "adam"}});
  run.SetSummary({{"best", 0.25}});
  run.DefineMetric("train/loss", MetricDefinition{.summary = "min", .step_metric = "epoch"});
  EXPECT_LT(Clock::now() - before, milliseconds(50));  // queued, not sent by the caller
  ASSERT_TRUE(receiver.WaitFor([](const auto& requests) { return HasVerb(requests, "history"); }));
  EXPECT_FALSE(HasVerb(receiver.Requests(), "config"));  // waits behind the held history batch
  receiver.HangHistory(false);
  ASSERT_TRUE(receiver.WaitFor([](const auto& requests) { return HasVerb(requests, "metrics"); }));

  std::vector<RecordedRequest> changes;
  for (auto& request : receiver.Requests())
    if (request.verb == "config" || request.verb == "summary" || request.verb == "metrics")
      changes.push_back(request);
  ASSERT_EQ(changes.size(), 3u);
  const std::string run_path = "/api/v1/runs/alice/updates/" + run.Id();
  EXPECT_EQ(changes[0].method, "PATCH");
  EXPECT_EQ(changes[0].path, run_path + "/config");
  EXPECT_EQ(changes[0].body, (Json{{"config", {{"epochs", 5}, {"optimizer", "adam"}}}}));
  EXPECT_EQ(changes[1].method, "PATCH");
  EXPECT_EQ(changes[1].body, (Json{{"summary", {{"best", 0.25}}}}));
  EXPECT_EQ(changes[2].method, "PUT");
  EXPECT_EQ(changes[2].path, run_path + "/metrics/train/loss");  // %2F decoded by the receiver
  EXPECT_EQ(changes[2].body,
            (Json{{"summary", "min"}, {"step_metric", "epoch"}, {"hidden", false}}));
}

TEST(RunUpdates, ConfigAndSummaryReflectTheChangesLocally) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  run.Log({{"loss", 0.5}, {"best", 1.0}});
  run.UpdateConfig({{"epochs", 5}});
  run.SetSummary({{"best", 0.25}});
  run.Log({{"loss", 0.75}, {"best", 2.0}});
  EXPECT_EQ(run.Config(), (Json{{"lr", 0.1}, {"epochs", 5}}));
  EXPECT_EQ(run.Summary(), (Json{{"loss", 0.75}, {"best", 0.25}}));
}

TEST(RunUpdates, RejectBadArgumentsAndAreIgnoredAfterFinish) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  EXPECT_THROW(run.UpdateConfig(Json::array({1})), Error);
  EXPECT_THROW(run.SetSummary(Json(3)), Error);
  EXPECT_THROW(run.DefineMetric(""), Error);
  EXPECT_THROW(run.DefineMetric("loss", MetricDefinition{.summary = "median"}), Error);
  run.Finish();
  run.UpdateConfig({{"late", true}});
  run.SetSummary({{"late", true}});
  run.DefineMetric("late");
  for (const auto& request : receiver.Requests())
    EXPECT_TRUE(request.verb != "config" && request.verb != "summary" && request.verb != "metrics")
        << request.path;
  EXPECT_FALSE(run.Config().contains("late"));
}

TEST(RunAccess, LogPairsLogsLikeLogWithAnInitializerList) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  std::vector<std::pair<std::string_view, LogValue>> pairs = {{"loss", 0.5}, {"epoch", 1}};
  detail::RunAccess::LogPairs(run, pairs, std::nullopt);
  pairs = {{"loss", 0.25}, {"name", "x"}};
  detail::RunAccess::LogPairs(run, pairs, 5);
  run.Finish();
  const std::vector<Json> rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Json{{"step", 0}, {"values", {{"loss", 0.5}, {"epoch", 1}}}}));
  EXPECT_EQ(rows[1], (Json{{"step", 5}, {"values", {{"loss", 0.25}, {"name", "x"}}}}));
}

}  // namespace
}  // namespace runhook
