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

TEST(RunChanges, StartOnAFailedRunResumesItAndFiresResumed) {
  core::RunRecord failed = RunIn(core::RunState::kFailed);
  failed.exit_code = 2;
  failed.failure_reason = "exit_code";
  failed.finished_at_ms = 1500;
  failed.started_at_ms = 1100;
  auto change = PlanStart(failed, 2000);
  ASSERT_TRUE(change.ok());
  EXPECT_TRUE(change->changed);
  EXPECT_EQ(change->event, core::EventType::kResumed);
  EXPECT_EQ(change->run.state, core::RunState::kRunning);
  EXPECT_EQ(change->run.started_at_ms, 1100);
  EXPECT_FALSE(change->run.finished_at_ms.has_value());
  EXPECT_FALSE(change->run.exit_code.has_value());
  EXPECT_EQ(change->run.failure_reason, "");
  EXPECT_EQ(change->run.resumed_count, 1);
  EXPECT_EQ(change->run.state_history, (Json::array({{{"event", "resumed"}, {"at", 2000}}})));
}

TEST(RunChanges, SilentRunningRunCrashesAndFiresFailed) {
  core::RunRecord run = RunIn(core::RunState::kRunning);
  run.heartbeat_at_ms = 1000;
  RunChange beating = PlanCrash(run, /*heartbeat_before_ms=*/1000, 70'000);
  EXPECT_FALSE(beating.changed);
  RunChange change = PlanCrash(run, /*heartbeat_before_ms=*/1001, 70'000);
  EXPECT_TRUE(change.changed);
  EXPECT_EQ(change.run.state, core::RunState::kFailed);
  EXPECT_EQ(change.run.failure_reason, "crashed");
  EXPECT_EQ(change.event, core::EventType::kFailed);
  EXPECT_EQ(change.event_payload, (Json{{"exit_code", nullptr}, {"reason", "crashed"}}));
  EXPECT_FALSE(PlanCrash(RunIn(core::RunState::kCreated), 5000, 70'000).changed);
}

TEST(RunChanges, CrashedRunRecoversOnHistoryWithoutAnEvent) {
  core::RunRecord run = RunIn(core::RunState::kRunning);
  core::RunRecord crashed = PlanCrash(run, 5000, 6000).run;
  auto recovered = PlanHistory(crashed, {core::HistoryRow{3, Json{{"loss", 1}}}}, 7000);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->state, core::RunState::kRunning);
  EXPECT_EQ(recovered->failure_reason, "");
  ASSERT_EQ(recovered->state_history.size(), 2u);
  EXPECT_EQ(recovered->state_history[1], (Json{{"event", "recovered"}, {"at", 7000}}));
}

TEST(RunChanges, AlertOfTheSameTitleIsSuppressedWithinItsWait) {
  AlertRequest alert;
  alert.title = "loss";
  alert.wait_seconds = 10;
  RunChange first = PlanAlert(RunIn(core::RunState::kRunning), alert, 1000);
  EXPECT_EQ(first.event, core::EventType::kAlert);
  EXPECT_EQ(first.extra_context["alert"]["title"], "loss");
  RunChange repeat = PlanAlert(first.run, alert, 10'999);
  EXPECT_FALSE(repeat.event.has_value());
  EXPECT_EQ(repeat.run.hook_state["alerts_suppressed"], 1);
  RunChange later = PlanAlert(repeat.run, alert, 11'000);
  EXPECT_EQ(later.event, core::EventType::kAlert);
}

TEST(RunChanges, PeriodicHooksFireWhenDueAndAreRescheduled) {
  CreateRunRequest request;
  request.run.key = {"alice", "demo", "abc"};
  core::HookSpec hook;
  hook.name = "progress";
  hook.run_states = {"running"};
  hook.every = "10s";
  request.hooks = {hook};
  core::RunRecord run = NewRun(request, 0);
  EXPECT_FALSE(run.next_periodic_at_ms.has_value());  // not running yet
  run = PlanStart(run, 1000)->run;
  EXPECT_EQ(run.next_periodic_at_ms, 11'000);
  EXPECT_FALSE(PlanPeriodic(run, 10'999).event.has_value());
  RunChange due = PlanPeriodic(run, 11'000);
  EXPECT_EQ(due.event, core::EventType::kRunning);
  EXPECT_EQ(due.only_hooks, std::vector<std::string>{"progress"});
  EXPECT_EQ(due.run.next_periodic_at_ms, 21'000);
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
