// Runs and hooks: round trips, uniqueness, optimistic concurrency.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

using core::RunState;

using RunsTest = StoreTest;

TEST_P(RunsTest, CreatedRunReadsBackWithEveryField) {
  RunRecord run = SampleRun();
  run.state = RunState::kFailed;
  run.started_at_ms = 1'700'000'001'000;
  run.finished_at_ms = 1'700'000'002'000;
  run.exit_code = -9;
  run.error = Json{{"type", "KeyError"}, {"message", "x"}, {"traceback", {"line 1", "line 2"}}};
  run.failure_reason = "exception";
  run.last_step = 41;
  ASSERT_TRUE(store_->CreateRun(run, {}, nullptr));

  Result<RunRecord> read = store_->GetRun(run.key);
  ASSERT_TRUE(read) << Describe(read);
  EXPECT_EQ(read->key, run.key);
  EXPECT_EQ(read->name, run.name);
  EXPECT_EQ(read->job_type, run.job_type);
  EXPECT_EQ(read->group, run.group);
  EXPECT_EQ(read->tags, run.tags);
  EXPECT_EQ(read->notes, run.notes);
  EXPECT_EQ(read->host, run.host);
  EXPECT_EQ(read->config.dump(), run.config.dump());
  EXPECT_EQ(read->summary.dump(), run.summary.dump());
  EXPECT_EQ(read->state, run.state);
  EXPECT_EQ(read->created_at_ms, run.created_at_ms);
  EXPECT_EQ(read->heartbeat_at_ms, run.heartbeat_at_ms);
  EXPECT_EQ(read->started_at_ms, run.started_at_ms);
  EXPECT_EQ(read->finished_at_ms, run.finished_at_ms);
  EXPECT_EQ(read->exit_code, run.exit_code);
  EXPECT_EQ(read->error.dump(), run.error.dump());
  EXPECT_EQ(read->failure_reason, run.failure_reason);
  EXPECT_EQ(read->last_step, run.last_step);
  EXPECT_EQ(read->version, run.version);
}

TEST_P(RunsTest, IntegerAndFloatStayApartInConfigAndSummary) {
  RunRecord run = SampleRun();
  run.config = Json::parse(R"({"one": 1, "one_point_zero": 1.0, "big": 9007199254740993})");
  run.summary = Json::parse(R"({"loss": 0.1, "epoch": 2, "whole": 2.0})");
  ASSERT_TRUE(store_->CreateRun(run, {}, nullptr));

  Result<RunRecord> read = store_->GetRun(run.key);
  ASSERT_TRUE(read) << Describe(read);
  EXPECT_EQ(read->config.dump(), R"({"one":1,"one_point_zero":1.0,"big":9007199254740993})");
  EXPECT_EQ(read->summary.dump(), R"({"loss":0.1,"epoch":2,"whole":2.0})");
  EXPECT_TRUE(read->config["one"].is_number_integer());
  EXPECT_TRUE(read->config["one_point_zero"].is_number_float());
}

TEST_P(RunsTest, UnsetOptionalFieldsReadBackUnset) {
  RunRecord run = SampleRun();
  ASSERT_TRUE(store_->CreateRun(run, {}, nullptr));
  Result<RunRecord> read = store_->GetRun(run.key);
  ASSERT_TRUE(read) << Describe(read);
  EXPECT_FALSE(read->started_at_ms.has_value());
  EXPECT_FALSE(read->finished_at_ms.has_value());
  EXPECT_FALSE(read->exit_code.has_value());
  EXPECT_TRUE(read->error.is_null());
  EXPECT_EQ(read->last_step, -1);
}

TEST_P(RunsTest, DuplicateRunIdIsAConflict) {
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {}, nullptr));
  Status again = store_->CreateRun(SampleRun(), {}, nullptr);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "run alice/webhook-demo/abc12345 already exists");
}

TEST_P(RunsTest, SameIdInAnotherProjectIsADifferentRun) {
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {}, nullptr));
  RunRecord other = SampleRun();
  other.key.project = "other-project";
  EXPECT_TRUE(store_->CreateRun(other, {}, nullptr));
}

TEST_P(RunsTest, MissingRunIsNotFound) {
  Result<RunRecord> read = store_->GetRun(SampleKey("nope"));
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(read.error().message, "run alice/webhook-demo/nope not found");
  EXPECT_EQ(store_->GetHooks(SampleKey("nope")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->UpdateRun(SampleRun("nope"), nullptr).error().code, ErrorCode::kNotFound);
}

TEST_P(RunsTest, HooksReadBackInDeclaredOrderWithEveryField) {
  HookSpec second = SampleHook("second");
  second.run_states = {};
  second.max_attempts = std::nullopt;
  second.disabled = true;
  second.strict = false;
  std::vector<HookSpec> hooks = {SampleHook("zeta"), second};
  ASSERT_TRUE(store_->CreateRun(SampleRun(), hooks, nullptr));

  Result<std::vector<HookSpec>> read = store_->GetHooks(SampleKey());
  ASSERT_TRUE(read) << Describe(read);
  ASSERT_EQ(read->size(), 2u);
  for (size_t i = 0; i < hooks.size(); ++i) {
    EXPECT_EQ(core::HookToJson((*read)[i]).dump(), core::HookToJson(hooks[i]).dump());
    EXPECT_EQ((*read)[i].headers, hooks[i].headers);
  }
}

TEST_P(RunsTest, DuplicateHookNameRejectsTheWholeRun) {
  Status status = store_->CreateRun(SampleRun(), {SampleHook("a"), SampleHook("a")}, nullptr);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->GetRun(SampleKey()).error().code, ErrorCode::kNotFound);
}

TEST_P(RunsTest, UpdateWritesMutableFieldsAndBumpsVersion) {
  RunRecord run = SampleRun();
  ASSERT_TRUE(store_->CreateRun(run, {}, nullptr));
  run.state = RunState::kRunning;
  run.started_at_ms = 1'700'000'003'000;
  run.summary["loss"] = 0.5;
  run.tags.push_back("resumed");
  ASSERT_TRUE(store_->UpdateRun(run, nullptr));

  Result<RunRecord> read = store_->GetRun(run.key);
  ASSERT_TRUE(read) << Describe(read);
  EXPECT_EQ(read->version, 1);
  EXPECT_EQ(read->state, RunState::kRunning);
  EXPECT_EQ(read->started_at_ms, run.started_at_ms);
  EXPECT_EQ(read->summary["loss"], 0.5);
  EXPECT_EQ(read->tags.back(), "resumed");
}

TEST_P(RunsTest, UpdateWithStaleVersionIsAConflictAndChangesNothing) {
  RunRecord run = SampleRun();
  ASSERT_TRUE(store_->CreateRun(run, {}, nullptr));
  RunRecord first = run;
  first.notes = "first writer";
  ASSERT_TRUE(store_->UpdateRun(first, nullptr));

  RunRecord stale = run;  // still version 0
  stale.notes = "second writer";
  EventWrite event = SampleEvent("finished", 5, {"notify"});
  Status status = store_->UpdateRun(stale, &event);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);

  Result<RunRecord> read = store_->GetRun(run.key);
  ASSERT_TRUE(read) << Describe(read);
  EXPECT_EQ(read->notes, "first writer");
  EXPECT_EQ(read->version, 1);
  EXPECT_TRUE(store_->ListEvents(run.key)->empty());
  EXPECT_TRUE(store_->ListDeliveries({})->empty());
}

INSTANTIATE_TEST_SUITE_P(Backing, RunsTest, ::testing::Values("memory", "file"));

}  // namespace
}  // namespace runhook::store::testing
