// The transactional outbox: a run change, its event and its deliveries commit together or not
// at all.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

using OutboxTest = StoreTest;

TEST_P(OutboxTest, CreateRunStoresEventAndPendingDeliveries) {
  EventWrite event = SampleEvent("created", 1000, {"notify", "audit"});
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {SampleHook("notify"), SampleHook("audit")}, &event));

  Result<std::vector<Event>> events = store_->ListEvents(SampleKey());
  ASSERT_TRUE(events) << Describe(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "created");
  EXPECT_EQ((*events)[0].timestamp_ms, 1000);
  EXPECT_EQ((*events)[0].payload.dump(), R"({"exit_code":0})");
  EXPECT_EQ((*events)[0].run, SampleKey());

  Result<std::vector<Delivery>> deliveries = store_->ListDeliveries({});
  ASSERT_TRUE(deliveries) << Describe(deliveries);
  ASSERT_EQ(deliveries->size(), 2u);
  const Delivery& audit = (*deliveries)[0];  // newest first
  const DeliveryDraft& draft = event.deliveries[1];
  EXPECT_EQ(audit.run, SampleKey());
  EXPECT_EQ(audit.event_id, (*events)[0].id);
  EXPECT_EQ(audit.event_type, "created");
  EXPECT_EQ(audit.request.hook_name, "audit");
  EXPECT_EQ(audit.request.webhook_id, draft.webhook_id);
  EXPECT_EQ(audit.request.method, draft.method);
  EXPECT_EQ(audit.request.url, draft.url);
  EXPECT_EQ(audit.request.headers, draft.headers);
  EXPECT_EQ(audit.request.body, draft.body);  // byte for byte, embedded NUL included
  EXPECT_EQ(audit.request.timeout_seconds, draft.timeout_seconds);
  EXPECT_EQ(audit.request.max_attempts, draft.max_attempts);
  EXPECT_EQ(audit.request.undefined_names, draft.undefined_names);
  EXPECT_FALSE(audit.request.is_test);
  EXPECT_EQ(audit.state, DeliveryState::kPending);
  EXPECT_EQ(audit.attempt_count, 0);
  EXPECT_EQ(audit.created_at_ms, 1000);
  EXPECT_EQ(audit.next_attempt_at_ms, 1000);
  EXPECT_EQ(audit.last_error, "");
  EXPECT_EQ((*deliveries)[1].request.hook_name, "notify");
}

TEST_P(OutboxTest, UpdateRunStoresItsEventWithTheStateChange) {
  RunRecord run = CreateRunWithDeliveries(*store_, "abc12345", 1000, {});
  run.state = core::RunState::kFinished;
  EventWrite event = SampleEvent("finished", 2000, {"notify"});
  event.deliveries[0].is_test = true;
  ASSERT_TRUE(store_->UpdateRun(run, &event));

  EXPECT_EQ(store_->GetRun(run.key)->state, core::RunState::kFinished);
  Result<std::vector<Event>> events = store_->ListEvents(run.key);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].type, "finished");
  Result<std::vector<Delivery>> deliveries = store_->ListDeliveries({});
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_EQ((*deliveries)[0].event_id, (*events)[1].id);
  EXPECT_EQ((*deliveries)[0].event_type, "finished");
  EXPECT_TRUE((*deliveries)[0].request.is_test);
}

TEST_P(OutboxTest, FailedCreateLeavesNoRunEventOrDelivery) {
  EventWrite event = SampleEvent("created", 1000, {"a", "b"});
  event.deliveries[1].webhook_id = event.deliveries[0].webhook_id;  // the second insert fails
  Status status = store_->CreateRun(SampleRun(), {SampleHook("a")}, &event);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);

  EXPECT_EQ(store_->GetRun(SampleKey()).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListDeliveries({})->empty());
  // The same run can be created afterwards: nothing of the failed attempt remains.
  EventWrite good = SampleEvent("created", 1000, {"a"});
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {SampleHook("a")}, &good));
  EXPECT_EQ(store_->ListEvents(SampleKey())->size(), 1u);
  EXPECT_EQ(store_->GetHooks(SampleKey())->size(), 1u);
}

TEST_P(OutboxTest, FailedUpdateLeavesRunEventsAndDeliveriesUnchanged) {
  RunRecord run = CreateRunWithDeliveries(*store_, "abc12345", 1000, {"notify"});
  const std::string used_id = store_->ListDeliveries({})->front().request.webhook_id;
  RunRecord finished = run;
  finished.state = core::RunState::kFinished;
  EventWrite event = SampleEvent("finished", 2000, {"notify"});
  event.deliveries[0].webhook_id = used_id;
  Status status = store_->UpdateRun(finished, &event);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);

  Result<RunRecord> read = store_->GetRun(run.key);
  EXPECT_EQ(read->state, core::RunState::kCreated);
  EXPECT_EQ(read->version, 0);
  EXPECT_EQ(store_->ListEvents(run.key)->size(), 1u);
  EXPECT_EQ(store_->ListDeliveries({})->size(), 1u);
  // The version check still passes: the failed update did not bump it.
  EventWrite retry = SampleEvent("finished", 2000, {"notify"});
  EXPECT_TRUE(store_->UpdateRun(finished, &retry));
}

TEST_P(OutboxTest, RenderErrorIsStoredFailedAndNeverClaimed) {
  EventWrite event = SampleEvent("created", 1000, {"broken"});
  event.deliveries[0].render_error = "body line 1 column 5: unexpected '}'";
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {}, &event));

  Result<std::vector<Delivery>> deliveries = store_->ListDeliveries({});
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_EQ((*deliveries)[0].state, DeliveryState::kFailed);
  EXPECT_EQ((*deliveries)[0].last_error, "body line 1 column 5: unexpected '}'");
  EXPECT_EQ((*deliveries)[0].request.render_error, "body line 1 column 5: unexpected '}'");
  EXPECT_TRUE(store_->ClaimDueDeliveries(1'000'000, 10, 60'000, "d")->empty());
  EXPECT_FALSE(store_->NextDueTime()->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backing, OutboxTest, ::testing::Values("memory", "file"));

}  // namespace
}  // namespace runhook::store::testing
