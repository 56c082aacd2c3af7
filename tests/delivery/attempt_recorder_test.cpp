// AttemptRecorder against a real SQLite store: every submitted outcome is recorded, in
// submission order, before Shutdown returns, and each transaction's statuses reach the callback.
#include "delivery/attempt_recorder.h"

#include <gtest/gtest.h>

#include <mutex>

#include "core/clock.h"
#include "store_helpers.h"

namespace runhook::delivery::testing {
namespace {

store::AttemptOutcome Delivered(int64_t delivery_id) {
  store::AttemptOutcome outcome;
  outcome.attempt.delivery_id = delivery_id;
  outcome.attempt.number = 1;
  outcome.attempt.status_code = 200;
  outcome.new_state = core::DeliveryState::kDelivered;
  return outcome;
}

TEST(AttemptRecorderTest, RecordsEverySubmittedOutcomeBeforeShutdownReturns) {
  std::unique_ptr<store::Store> store = OpenMemoryStore();
  std::vector<core::DeliveryDraft> drafts;
  for (int index = 0; index < 50; ++index) drafts.push_back(MakeDraft("http://127.0.0.1:9/x"));
  const std::vector<int64_t> ids = AddDeliveries(*store, drafts);
  ASSERT_TRUE(store->ClaimDueDeliveries(core::NowUnixMillis(), 50, 60'000, "test").ok());

  std::mutex mutex;
  std::vector<int64_t> reported;  // delivery ids in the order the callback saw them
  int failures = 0;
  AttemptRecorder recorder(*store, [&](const std::vector<store::AttemptOutcome>& outcomes,
                                       const std::vector<Status>& statuses) {
    std::lock_guard lock(mutex);
    ASSERT_EQ(outcomes.size(), statuses.size());
    for (size_t index = 0; index < outcomes.size(); ++index) {
      reported.push_back(outcomes[index].attempt.delivery_id);
      if (!statuses[index].ok()) ++failures;
    }
  });
  for (size_t start = 0; start < ids.size(); start += 5) {
    std::vector<store::AttemptOutcome> batch;
    for (size_t index = start; index < start + 5; ++index) batch.push_back(Delivered(ids[index]));
    recorder.Submit(std::move(batch));
  }
  // A repeat of the first delivery's attempt is refused by the store and reported as such.
  recorder.Submit({Delivered(ids[0])});
  recorder.Shutdown();

  std::vector<int64_t> expected = ids;
  expected.push_back(ids[0]);
  EXPECT_EQ(reported, expected);
  EXPECT_EQ(failures, 1);
  for (int64_t id : ids) {
    EXPECT_EQ(store->GetDelivery(id)->state, core::DeliveryState::kDelivered) << id;
    EXPECT_EQ(Attempts(*store, id).size(), 1u) << id;
  }
  recorder.Shutdown();  // idempotent
}

}  // namespace
}  // namespace runhook::delivery::testing
