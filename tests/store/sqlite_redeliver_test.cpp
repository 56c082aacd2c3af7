// Deliveries made by hand (Redeliver), events that change no run (AddEvent), the secrets'
// listing with times and their values for rendering, and the masked request column.
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

constexpr int64_t kLeaseMs = 60'000;

class RedeliverTest : public StoreTest {
 protected:
  // Creates a run with one delivery, attempts it once with `state`, returns its id.
  int64_t DeliveryAttemptedOnce(DeliveryState state) {
    CreateRunWithDeliveries(*store_, "abc12345", 1000, {"notify"});
    auto claimed = store_->ClaimDueDeliveries(1000, 10, kLeaseMs, "d1");
    EXPECT_EQ(claimed->size(), 1u);
    AttemptOutcome outcome;
    outcome.attempt.delivery_id = claimed->front().id;
    outcome.attempt.number = 1;
    outcome.attempt.started_at_ms = 1001;
    outcome.attempt.status_code = state == DeliveryState::kDelivered ? 200 : 500;
    outcome.new_state = state;
    outcome.error = state == DeliveryState::kDelivered ? "" : "HTTP 500";
    EXPECT_TRUE(store_->RecordAttempts({outcome}).front());
    return claimed->front().id;
  }
};

TEST_P(RedeliverTest, DeadDeliveryBecomesDueNowAndKeepsItsAttempts) {
  const int64_t id = DeliveryAttemptedOnce(DeliveryState::kDead);
  Result<Delivery> redelivered = store_->Redeliver(id, 9000);
  ASSERT_TRUE(redelivered) << Describe(redelivered);
  EXPECT_EQ(redelivered->state, DeliveryState::kPending);
  EXPECT_EQ(redelivered->next_attempt_at_ms, 9000);
  EXPECT_EQ(redelivered->attempt_count, 1);
  EXPECT_EQ(store_->ListAttempts(id)->size(), 1u);

  EXPECT_TRUE(store_->ClaimDueDeliveries(8999, 10, kLeaseMs, "d2")->empty());
  auto claimed = store_->ClaimDueDeliveries(9000, 10, kLeaseMs, "d2");
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().request.webhook_id, redelivered->request.webhook_id);
}

TEST_P(RedeliverTest, DeliveredDeliveryIsSentAgain) {
  const int64_t id = DeliveryAttemptedOnce(DeliveryState::kDelivered);
  ASSERT_TRUE(store_->Redeliver(id, 9000));
  EXPECT_EQ(store_->ClaimDueDeliveries(9000, 10, kLeaseMs, "d2")->size(), 1u);
}

TEST_P(RedeliverTest, LeasedPendingDeliveryKeepsItsLease) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"notify"});
  auto claimed = store_->ClaimDueDeliveries(1000, 10, kLeaseMs, "d1");
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_TRUE(store_->Redeliver(claimed->front().id, 2000));
  EXPECT_TRUE(store_->ClaimDueDeliveries(2000, 10, kLeaseMs, "d2")->empty());
}

TEST_P(RedeliverTest, UnknownOrUnrenderedDeliveryIsRefused) {
  EXPECT_EQ(store_->Redeliver(424242, 1).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {SampleHook()}, nullptr));
  EventWrite event = SampleEvent("finished", 1000, {"notify"});
  event.deliveries[0].render_error = "field 'body': boom";
  ASSERT_TRUE(store_->AddEvent(SampleKey(), event));
  const int64_t id = store_->ListDeliveries({})->front().id;
  Result<Delivery> refused = store_->Redeliver(id, 2000);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("boom"), std::string::npos);
}

TEST_P(RedeliverTest, AddEventStoresDeliveriesWithoutChangingTheRun) {
  ASSERT_TRUE(store_->CreateRun(SampleRun(), {SampleHook()}, nullptr));
  const int64_t version = store_->GetRun(SampleKey())->version;
  EventWrite event = SampleEvent("test", 5000, {"notify"});
  event.deliveries[0].is_test = true;
  event.deliveries[0].masked = core::MaskedRequest{"http://x/?t=***", {{"A", "***"}}, "***"};
  Result<std::vector<int64_t>> ids = store_->AddEvent(SampleKey(), event);
  ASSERT_TRUE(ids) << Describe(ids);
  ASSERT_EQ(ids->size(), 1u);
  Result<Delivery> stored = store_->GetDelivery(ids->front());
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->event_type, "test");
  EXPECT_TRUE(stored->request.is_test);
  ASSERT_TRUE(stored->request.masked.has_value());
  EXPECT_EQ(stored->request.masked->url, "http://x/?t=***");
  EXPECT_EQ(stored->request.masked->headers.front().second, "***");
  EXPECT_EQ(store_->GetRun(SampleKey())->version, version);
  EXPECT_EQ(store_->AddEvent(SampleKey("nope"), event).error().code, ErrorCode::kNotFound);
}

TEST_P(RedeliverTest, SecretsListTimesAndGiveValuesOnlyToTheServer) {
  ASSERT_TRUE(store_->PutSecret("TOKEN", "first"));
  Result<std::vector<SecretInfo>> listed = store_->ListSecrets();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  const int64_t created = listed->front().created_at_ms;
  EXPECT_GT(created, 0);
  ASSERT_TRUE(store_->PutSecret("TOKEN", "second"));
  listed = store_->ListSecrets();
  EXPECT_EQ(listed->front().created_at_ms, created);
  EXPECT_GE(listed->front().updated_at_ms, created);
  EXPECT_EQ(store_->GetSecretValues().value(),
            (std::map<std::string, std::string>{{"TOKEN", "second"}}));
}

INSTANTIATE_TEST_SUITE_P(Backing, RedeliverTest, ::testing::Values("memory", "file"));

}  // namespace
}  // namespace runhook::store::testing
