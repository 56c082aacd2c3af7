// The pure state logic: which change a request makes and which event it fires.
#include <gtest/gtest.h>

#include "server/run_changes.h"

namespace runhook::server {
namespace {

core::RunRecord RunIn(core::RunState state) {
  core::RunRecord run;
  run.key = {"alice", "demo", "abc"};
  run.state = state;
  run.created_at_ms = 1000;
  return run;
}

FinishRequest Finish(int exit_code, Json error = nullptr, std::string reason = "") {
  FinishRequest request;
  request.exit_code = exit_code;
  request.error = std::move(error);
  request.reason = std::move(reason);
  return request;
}

TEST(RunChanges, NewRunStartsCreatedWithNoSummary) {
  CreateRunRequest request;
  request.run.key = {"alice", "demo", "abc"};
  request.run.summary = Json{{"stale", 1}};
  core::RunRecord run = NewRun(request, 5000);
  EXPECT_EQ(run.state, core::RunState::kCreated);
  EXPECT_EQ(run.created_at_ms, 5000);
  EXPECT_EQ(run.heartbeat_at_ms, 5000);
  EXPECT_EQ(run.summary, Json::object());
  EXPECT_EQ(run.last_step, -1);
}

TEST(RunChanges, StartMovesCreatedToRunningAndFiresRunning) {
  auto change = PlanStart(RunIn(core::RunState::kCreated), 2000);
  ASSERT_TRUE(change.ok());
  EXPECT_TRUE(change->changed);
  EXPECT_EQ(change->run.state, core::RunState::kRunning);
  EXPECT_EQ(change->run.started_at_ms, 2000);
  EXPECT_EQ(change->event, core::EventType::kRunning);
}

TEST(RunChanges, StartOnARunningRunChangesNothing) {
  auto change = PlanStart(RunIn(core::RunState::kRunning), 2000);
  ASSERT_TRUE(change.ok());
  EXPECT_FALSE(change->changed);
  EXPECT_FALSE(change->event.has_value());
}

TEST(RunChanges, StartOnAFinishedRunIsAConflict) {
  auto change = PlanStart(RunIn(core::RunState::kFinished), 2000);
  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.error().code, ErrorCode::kConflict);
  EXPECT_EQ(change.error().message,
            "run 'alice/demo/abc' is already finished: it cannot be started again (resuming is "
            "not supported yet)");
}

TEST(RunChanges, FinishWithZeroExitFinishes) {
  auto change = PlanFinish(RunIn(core::RunState::kRunning), Finish(0), 3000);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->run.state, core::RunState::kFinished);
  EXPECT_EQ(change->run.finished_at_ms, 3000);
  EXPECT_EQ(change->run.exit_code, 0);
  EXPECT_EQ(change->run.failure_reason, "");
  EXPECT_EQ(change->event, core::EventType::kFinished);
  EXPECT_EQ(change->event_payload, Json({{"exit_code", 0}}));
}

TEST(RunChanges, FinishWithNonZeroExitFailsWithAReason) {
  auto by_code = PlanFinish(RunIn(core::RunState::kRunning), Finish(2), 3000);
  EXPECT_EQ(by_code->run.state, core::RunState::kFailed);
  EXPECT_EQ(by_code->run.failure_reason, "exit_code");
  EXPECT_EQ(by_code->event, core::EventType::kFailed);

  FinishRequest with_error = Finish(1, Json{{"type", "ValueError"}});
  EXPECT_EQ(PlanFinish(RunIn(core::RunState::kCreated), with_error, 3000)->run.failure_reason,
            "exception");
  FinishRequest killed = Finish(130, nullptr, "killed");
  EXPECT_EQ(PlanFinish(RunIn(core::RunState::kRunning), killed, 3000)->run.failure_reason,
            "killed");
}

TEST(RunChanges, FinishOnAnEndedRunChangesNothing) {
  auto change = PlanFinish(RunIn(core::RunState::kFailed), Finish(0), 3000);
  ASSERT_TRUE(change.ok());
  EXPECT_FALSE(change->changed);
  EXPECT_EQ(change->run.state, core::RunState::kFailed);
  EXPECT_FALSE(change->event.has_value());
}

TEST(RunChanges, HistoryKeepsTheLastValuePerKeyAndTheHighestStep) {
  core::RunRecord run = RunIn(core::RunState::kRunning);
  run.summary = Json{{"old", 1}};
  auto planned = PlanHistory(
      run,
      {{0, Json{{"loss", 0.9}, {"epoch", 0}}}, {5, Json{{"loss", 0.1}}}, {3, Json{{"epoch", 1}}}},
      4000);
  ASSERT_TRUE(planned.ok());
  EXPECT_EQ(planned->summary, Json::parse(R"({"old": 1, "loss": 0.1, "epoch": 1})"));
  EXPECT_EQ(planned->last_step, 5);
  EXPECT_EQ(planned->heartbeat_at_ms, 4000);
}

TEST(RunChanges, HistoryOnAnEndedRunIsAConflict) {
  auto planned = PlanHistory(RunIn(core::RunState::kFinished), {{0, Json::object()}}, 4000);
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kConflict);
}

TEST(RunChanges, HeartbeatOnlyMovesWhileTheRunIsLive) {
  EXPECT_EQ(PlanHeartbeat(RunIn(core::RunState::kRunning), 9000).run.heartbeat_at_ms, 9000);
  EXPECT_FALSE(PlanHeartbeat(RunIn(core::RunState::kFinished), 9000).changed);
}

}  // namespace
}  // namespace runhook::server
