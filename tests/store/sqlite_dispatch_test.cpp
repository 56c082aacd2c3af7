// What the dispatcher relies on: due claims with leases, recorded attempts, NextDueTime, and
// listing deliveries by run, hook and state.
#include <gtest/gtest.h>

#include <algorithm>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

constexpr int64_t kLeaseMs = 60'000;

class DispatchTest : public StoreTest {
 protected:
  std::vector<int64_t> Claim(int64_t now_ms, int limit, const std::string& owner = "d1") {
    Result<std::vector<Delivery>> claimed =
        store_->ClaimDueDeliveries(now_ms, limit, kLeaseMs, owner);
    EXPECT_TRUE(claimed) << Describe(claimed);
    std::vector<int64_t> ids;
    if (claimed)
      for (const Delivery& delivery : *claimed) ids.push_back(delivery.id);
    return ids;
  }

  Status Record(int64_t delivery_id, int number, DeliveryState state, int64_t next_ms = 0,
                const std::string& error = "") {
    return store_->RecordAttempts({Outcome(delivery_id, number, state, next_ms, error)}).front();
  }

  static AttemptOutcome Outcome(int64_t delivery_id, int number, DeliveryState state,
                                int64_t next_ms = 0, const std::string& error = "") {
    AttemptOutcome outcome;
    outcome.attempt.delivery_id = delivery_id;
    outcome.attempt.number = number;
    outcome.attempt.started_at_ms = 5000 + number;
    outcome.attempt.status_code = state == DeliveryState::kDelivered ? 200 : 503;
    outcome.attempt.latency_ms = 12.5;
    outcome.attempt.response_excerpt = std::string("busy\0\xff", 6);
    outcome.attempt.error = error;
    outcome.new_state = state;
    outcome.next_attempt_at_ms = next_ms;
    outcome.error = error;
    return outcome;
  }

  int64_t OnlyDeliveryId() { return store_->ListDeliveries({})->front().id; }
};

TEST_P(DispatchTest, ClaimsDueDeliveriesOldestFirstUpToTheLimit) {
  CreateRunWithDeliveries(*store_, "late0001", 3000, {"a"});
  CreateRunWithDeliveries(*store_, "early001", 1000, {"a"});
  CreateRunWithDeliveries(*store_, "future01", 9000, {"a"});
  Result<std::vector<Delivery>> claimed = store_->ClaimDueDeliveries(5000, 10, kLeaseMs, "d1");
  ASSERT_TRUE(claimed) << Describe(claimed);
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].run.id, "early001");
  EXPECT_EQ((*claimed)[1].run.id, "late0001");
  EXPECT_EQ((*claimed)[0].request.body, SampleDraft().body);

  CreateRunWithDeliveries(*store_, "more0001", 4000, {"a", "b"});
  EXPECT_EQ(Claim(5000, 1).size(), 1u);
}

TEST_P(DispatchTest, ClaimedDeliveryIsNotClaimedAgainBeforeItsLeaseExpires) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  ASSERT_EQ(Claim(1000, 10, "d1").size(), 1u);
  EXPECT_TRUE(Claim(1000 + kLeaseMs - 1, 10, "d2").empty());
}

TEST_P(DispatchTest, ExpiredLeaseCanBeClaimedByAnotherDispatcher) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  ASSERT_EQ(Claim(1000, 10, "d1").size(), 1u);
  EXPECT_EQ(Claim(1000 + kLeaseMs, 10, "d2").size(), 1u);
}

TEST_P(DispatchTest, ZeroLimitClaimsNothing) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  EXPECT_TRUE(Claim(1000, 0).empty());
  EXPECT_EQ(Claim(1000, 1).size(), 1u);
}

TEST_P(DispatchTest, SuccessfulAttemptMarksDeliveredAndReleasesTheLease) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  const int64_t id = Claim(1000, 1).at(0);
  ASSERT_TRUE(Record(id, 1, DeliveryState::kDelivered));

  Result<Delivery> delivery = store_->GetDelivery(id);
  ASSERT_TRUE(delivery) << Describe(delivery);
  EXPECT_EQ(delivery->state, DeliveryState::kDelivered);
  EXPECT_EQ(delivery->attempt_count, 1);
  EXPECT_EQ(delivery->last_error, "");
  EXPECT_TRUE(Claim(1'000'000'000, 10).empty());
  EXPECT_FALSE(store_->NextDueTime()->has_value());
}

TEST_P(DispatchTest, RetryKeepsDeliveryPendingUntilItsNextAttempt) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  const int64_t id = Claim(1000, 1).at(0);
  ASSERT_TRUE(Record(id, 1, DeliveryState::kPending, 6000, "HTTP 503"));

  Result<Delivery> delivery = store_->GetDelivery(id);
  EXPECT_EQ(delivery->state, DeliveryState::kPending);
  EXPECT_EQ(delivery->attempt_count, 1);
  EXPECT_EQ(delivery->next_attempt_at_ms, 6000);
  EXPECT_EQ(delivery->last_error, "HTTP 503");
  EXPECT_TRUE(Claim(5999, 10).empty());  // lease released, but not yet due
  EXPECT_EQ(Claim(6000, 10), std::vector<int64_t>{id});
}

TEST_P(DispatchTest, AttemptsAreListedInOrderWithEveryField) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  const int64_t id = Claim(1000, 1).at(0);
  ASSERT_TRUE(Record(id, 1, DeliveryState::kPending, 2000, "HTTP 503"));
  ASSERT_EQ(Claim(2000, 1).size(), 1u);
  ASSERT_TRUE(Record(id, 2, DeliveryState::kDead, 0, "gave up after 2 attempts"));

  Result<std::vector<Attempt>> attempts = store_->ListAttempts(id);
  ASSERT_TRUE(attempts) << Describe(attempts);
  ASSERT_EQ(attempts->size(), 2u);
  const Attempt& first = (*attempts)[0];
  EXPECT_GT(first.id, 0);
  EXPECT_EQ(first.delivery_id, id);
  EXPECT_EQ(first.number, 1);
  EXPECT_EQ(first.started_at_ms, 5001);
  EXPECT_EQ(first.status_code, 503);
  EXPECT_EQ(first.latency_ms, 12.5);
  EXPECT_EQ(first.response_excerpt, std::string("busy\0\xff", 6));
  EXPECT_EQ(first.error, "HTTP 503");
  EXPECT_EQ((*attempts)[1].number, 2);
  EXPECT_EQ(store_->GetDelivery(id)->state, DeliveryState::kDead);
  EXPECT_EQ(store_->GetDelivery(id)->last_error, "gave up after 2 attempts");
}

TEST_P(DispatchTest, AttemptOnAFinishedDeliveryIsAConflict) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  const int64_t id = Claim(1000, 1).at(0);
  ASSERT_TRUE(Record(id, 1, DeliveryState::kDelivered));
  Status late = Record(id, 2, DeliveryState::kFailed);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->ListAttempts(id)->size(), 1u);
}

TEST_P(DispatchTest, SameAttemptNumberTwiceIsAConflictAndChangesNothing) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a"});
  const int64_t id = Claim(1000, 1).at(0);
  ASSERT_TRUE(Record(id, 1, DeliveryState::kPending, 2000, "timeout"));
  Status again = Record(id, 1, DeliveryState::kDelivered);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->GetDelivery(id)->state, DeliveryState::kPending);
  EXPECT_EQ(store_->GetDelivery(id)->attempt_count, 1);
}

TEST_P(DispatchTest, RecordAttemptsRecordsEachOutcomeOnItsOwn) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a", "b", "c"});
  const std::vector<int64_t> ids = Claim(1000, 3);
  ASSERT_EQ(ids.size(), 3u);
  ASSERT_TRUE(Record(ids[1], 1, DeliveryState::kPending, 2000, "timeout"));
  // The middle outcome repeats attempt 1 of ids[1]: a conflict that leaves it unchanged.
  const std::vector<Status> recorded = store_->RecordAttempts(
      {Outcome(ids[0], 1, DeliveryState::kDelivered), Outcome(ids[1], 1, DeliveryState::kDelivered),
       Outcome(ids[2], 1, DeliveryState::kDelivered)});
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_TRUE(recorded[0]) << Describe(recorded[0]);
  ASSERT_FALSE(recorded[1]);
  EXPECT_EQ(recorded[1].error().code, ErrorCode::kConflict);
  EXPECT_TRUE(recorded[2]) << Describe(recorded[2]);
  EXPECT_EQ(store_->GetDelivery(ids[0])->state, DeliveryState::kDelivered);
  EXPECT_EQ(store_->GetDelivery(ids[1])->state, DeliveryState::kPending);
  EXPECT_EQ(store_->GetDelivery(ids[1])->attempt_count, 1);
  EXPECT_EQ(store_->GetDelivery(ids[2])->state, DeliveryState::kDelivered);
  EXPECT_EQ(store_->ListAttempts(ids[1])->size(), 1u);
}

TEST_P(DispatchTest, RecordAttemptsNamesFinishedAndUnknownDeliveriesAndRecordsTheRest) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a", "b"});
  const std::vector<int64_t> ids = Claim(1000, 2);
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_TRUE(Record(ids[0], 1, DeliveryState::kDelivered));
  const std::vector<Status> recorded = store_->RecordAttempts(
      {Outcome(ids[0], 2, DeliveryState::kFailed), Outcome(42, 1, DeliveryState::kDelivered),
       Outcome(ids[1], 1, DeliveryState::kDelivered)});
  ASSERT_EQ(recorded.size(), 3u);
  ASSERT_FALSE(recorded[0]);
  EXPECT_EQ(recorded[0].error().code, ErrorCode::kConflict);
  EXPECT_EQ(recorded[0].error().message, "delivery " + std::to_string(ids[0]) +
                                             " is already delivered; the attempt was not recorded");
  ASSERT_FALSE(recorded[1]);
  EXPECT_EQ(recorded[1].error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(recorded[2]) << Describe(recorded[2]);
  EXPECT_EQ(store_->ListAttempts(ids[0])->size(), 1u);
  EXPECT_EQ(store_->GetDelivery(ids[0])->state, DeliveryState::kDelivered);
  EXPECT_EQ(store_->GetDelivery(ids[1])->state, DeliveryState::kDelivered);
}

TEST_P(DispatchTest, UnknownDeliveryIsNotFound) {
  EXPECT_EQ(store_->GetDelivery(42).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListAttempts(42).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Record(42, 1, DeliveryState::kDelivered).error().code, ErrorCode::kNotFound);
}

TEST_P(DispatchTest, NextDueTimeIsTheEarliestClaimableTime) {
  EXPECT_FALSE(store_->NextDueTime()->has_value());
  CreateRunWithDeliveries(*store_, "late0001", 3000, {"a"});
  CreateRunWithDeliveries(*store_, "early001", 1000, {"a"});
  EXPECT_EQ(store_->NextDueTime()->value_or(-1), 1000);

  // Leased deliveries count from their lease expiry: the dispatcher need not wake for
  // deliveries it is already sending.
  ASSERT_EQ(Claim(1000, 1).size(), 1u);
  EXPECT_EQ(store_->NextDueTime()->value_or(-1), 3000);
  ASSERT_EQ(Claim(3000, 1).size(), 1u);
  EXPECT_EQ(store_->NextDueTime()->value_or(-1), 1000 + kLeaseMs);
}

TEST_P(DispatchTest, ListDeliveriesFiltersByRunHookAndState) {
  CreateRunWithDeliveries(*store_, "run00001", 1000, {"a", "b"});
  CreateRunWithDeliveries(*store_, "run00002", 2000, {"a"});
  const int64_t delivered = Claim(1000, 1).at(0);  // run00001's "a"
  ASSERT_TRUE(Record(delivered, 1, DeliveryState::kDelivered));

  auto hooks_of = [&](const DeliveryFilter& filter) {
    Result<std::vector<Delivery>> deliveries = store_->ListDeliveries(filter);
    EXPECT_TRUE(deliveries) << Describe(deliveries);
    std::vector<std::string> names;
    if (deliveries)
      for (const Delivery& delivery : *deliveries)
        names.push_back(delivery.run.id + ":" + delivery.request.hook_name);
    return names;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(hooks_of({}), (Names{"run00002:a", "run00001:b", "run00001:a"}));
  EXPECT_EQ(hooks_of({.run = SampleKey("run00001")}), (Names{"run00001:b", "run00001:a"}));
  EXPECT_EQ(hooks_of({.hook_name = "a"}), (Names{"run00002:a", "run00001:a"}));
  EXPECT_EQ(hooks_of({.state = DeliveryState::kDelivered}), (Names{"run00001:a"}));
  EXPECT_EQ(
      hooks_of({.run = SampleKey("run00001"), .hook_name = "a", .state = DeliveryState::kPending}),
      Names{});
  EXPECT_EQ(hooks_of({.limit = 1}), (Names{"run00002:a"}));
  EXPECT_EQ(hooks_of({.run = SampleKey("missing1")}), Names{});
}

TEST_P(DispatchTest, LeaseOwnersAreThoseWithUnexpiredLeasesOnPendingDeliveries) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a", "b", "c"});
  ASSERT_EQ(Claim(1000, 1, "host:2").size(), 1u);
  ASSERT_EQ(Claim(1000, 1, "host:1").size(), 1u);
  const std::vector<int64_t> delivered = Claim(1000, 1, "host:3");
  ASSERT_EQ(delivered.size(), 1u);
  ASSERT_TRUE(Record(delivered[0], 1, DeliveryState::kDelivered));

  EXPECT_EQ(store_->ListLeaseOwners(1000).value(), (std::vector<std::string>{"host:1", "host:2"}));
  EXPECT_TRUE(store_->ListLeaseOwners(1000 + kLeaseMs)->empty());  // expired
}

TEST_P(DispatchTest, ReleasedLeasesCanBeClaimedAtOnceWithTheSameWebhookId) {
  CreateRunWithDeliveries(*store_, "abc12345", 1000, {"a", "b"});
  Result<std::vector<Delivery>> dead_owner = store_->ClaimDueDeliveries(1000, 1, kLeaseMs, "gone");
  ASSERT_TRUE(dead_owner) << Describe(dead_owner);
  ASSERT_EQ(dead_owner->size(), 1u);
  ASSERT_EQ(Claim(1000, 1, "alive").size(), 1u);
  ASSERT_TRUE(Claim(2000, 10, "restarted").empty());

  EXPECT_EQ(store_->ReleaseLeases("gone").value(), 1);
  EXPECT_EQ(store_->ReleaseLeases("gone").value(), 0);
  Result<std::vector<Delivery>> resumed =
      store_->ClaimDueDeliveries(2000, 10, kLeaseMs, "restarted");
  ASSERT_TRUE(resumed) << Describe(resumed);
  ASSERT_EQ(resumed->size(), 1u);  // the live owner's lease is kept
  EXPECT_EQ(resumed->front().id, dead_owner->front().id);
  EXPECT_EQ(resumed->front().request.webhook_id, dead_owner->front().request.webhook_id);
  EXPECT_EQ(resumed->front().attempt_count, 0);
}

INSTANTIATE_TEST_SUITE_P(Backing, DispatchTest, ::testing::Values("memory", "file"));

}  // namespace
}  // namespace runhook::store::testing
