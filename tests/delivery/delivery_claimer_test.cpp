// DeliveryClaimer against a real SQLite store: a requested claim leases the deliveries (nobody
// else can claim them), brings their hooks' signing secrets and, when short of the limit, the
// next due time; one claim at a time; a batch claimed before Shutdown can still be taken.
#include "delivery/delivery_claimer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "core/clock.h"
#include "store_helpers.h"

namespace runhook::delivery::testing {
namespace {

constexpr std::chrono::milliseconds kLease{60'000};
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// Counts the claimer's on_ready calls and waits for them with a deadline.
class ReadyCounter {
 public:
  void Increment() {
    {
      std::lock_guard lock(mutex_);
      ++count_;
    }
    changed_.notify_all();
  }
  bool WaitFor(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(DeliveryClaimerTest, ClaimsWithALeaseAndBringsTheSigningSecrets) {
  std::unique_ptr<store::Store> store = OpenMemoryStore();
  std::vector<core::DeliveryDraft> drafts;
  for (int index = 0; index < 5; ++index) drafts.push_back(MakeDraft("http://127.0.0.1:9/x"));
  const std::vector<int64_t> ids = AddDeliveries(*store, drafts, kSecret);
  ReadyCounter ready;
  DeliveryClaimer claimer(*store, {kLease, "claimer"}, [&] { ready.Increment(); });

  const int64_t first_claim_ms = core::NowUnixMillis();
  ASSERT_TRUE(claimer.Request(3));
  EXPECT_FALSE(claimer.Request(3)) << "a second claim while the first is under way or untaken";
  ASSERT_TRUE(ready.WaitFor(1));
  EXPECT_TRUE(claimer.busy()) << "busy until the batch is taken";
  std::optional<ClaimedBatch> batch = claimer.Take();
  ASSERT_TRUE(batch.has_value());
  EXPECT_FALSE(claimer.busy());
  EXPECT_EQ(batch->problem, "");
  ASSERT_EQ(batch->deliveries.size(), 3u);
  ASSERT_EQ(batch->signing_secrets.size(), 3u);
  for (size_t index = 0; index < 3; ++index) {
    EXPECT_EQ(batch->deliveries[index].id, ids[index]);
    ASSERT_TRUE(batch->signing_secrets[index].ok());
    EXPECT_EQ(*batch->signing_secrets[index], std::vector<std::string>{kSecret});
  }
  EXPECT_FALSE(batch->next_due_ms.has_value()) << "a full batch reads no next due time";

  // The claimed three are leased: another owner gets only the other two.
  auto others = store->ClaimDueDeliveries(core::NowUnixMillis(), 10, kLease.count(), "other");
  ASSERT_TRUE(others.ok());
  ASSERT_EQ(others->size(), 2u);
  EXPECT_EQ((*others)[0].id, ids[3]);

  // Nothing left: an empty batch that says when the first lease runs out.
  ASSERT_TRUE(claimer.Request(10));
  ASSERT_TRUE(ready.WaitFor(2));
  batch = claimer.Take();
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(batch->deliveries.empty());
  ASSERT_TRUE(batch->next_due_ms.has_value());
  EXPECT_GE(*batch->next_due_ms, first_claim_ms + kLease.count());
}

TEST(DeliveryClaimerTest, ABatchClaimedBeforeShutdownCanStillBeTaken) {
  std::unique_ptr<store::Store> store = OpenMemoryStore();
  const int64_t id = AddDelivery(*store, MakeDraft("http://127.0.0.1:9/x"));
  ReadyCounter ready;
  DeliveryClaimer claimer(*store, {kLease, "claimer"}, [&] { ready.Increment(); });
  EXPECT_FALSE(claimer.Request(0));
  ASSERT_TRUE(claimer.Request(1));
  ASSERT_TRUE(ready.WaitFor(1));
  claimer.Shutdown();
  EXPECT_FALSE(claimer.Request(1)) << "no claim after Shutdown";
  std::optional<ClaimedBatch> batch = claimer.Take();
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->deliveries.size(), 1u);
  EXPECT_EQ(batch->deliveries[0].id, id);
  claimer.Shutdown();  // idempotent
}

}  // namespace
}  // namespace runhook::delivery::testing
