#include "delivery/delivery_claimer.h"

#include <utility>

#include "core/clock.h"
#include "core/thread_name.h"

namespace runhook::delivery {

DeliveryClaimer::DeliveryClaimer(store::Store& store, Options options,
                                 std::function<void()> on_ready)
    : store_(store),
      options_(std::move(options)),
      on_ready_(std::move(on_ready)),
      thread_(&DeliveryClaimer::Run, this) {}

DeliveryClaimer::~DeliveryClaimer() { Shutdown(); }

bool DeliveryClaimer::Request(int limit) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || limit < 1 || requested_limit_ > 0 || claiming_ || ready_.has_value())
      return false;
    requested_limit_ = limit;
  }
  wake_.notify_one();
  return true;
}

bool DeliveryClaimer::busy() const {
  std::lock_guard lock(mutex_);
  return requested_limit_ > 0 || claiming_ || ready_.has_value();
}

std::optional<ClaimedBatch> DeliveryClaimer::Take() {
  std::lock_guard lock(mutex_);
  return std::exchange(ready_, std::nullopt);
}

void DeliveryClaimer::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    requested_limit_ = 0;  // a claim asked for and not begun is not made
  }
  wake_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void DeliveryClaimer::Run() {
  core::NameCurrentThread("rh-claimer");
  while (true) {
    int limit = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || requested_limit_ > 0; });
      if (stopping_) return;
      limit = std::exchange(requested_limit_, 0);
      claiming_ = true;
    }
    ClaimedBatch batch = Claim(limit);
    {
      std::lock_guard lock(mutex_);
      ready_ = std::move(batch);
      claiming_ = false;
    }
    if (on_ready_) on_ready_();
  }
}

ClaimedBatch DeliveryClaimer::Claim(int limit) {
  ClaimedBatch batch;
  batch.claimed_at = std::chrono::steady_clock::now();
  auto claimed = store_.ClaimDueDeliveries(core::NowUnixMillis(), limit, options_.lease.count(),
                                           options_.owner);
  if (!claimed.ok()) {
    batch.problem = "claiming due deliveries failed: " + claimed.error().message;
    return batch;
  }
  batch.deliveries = std::move(claimed).value();
  if (!batch.deliveries.empty()) {
    std::vector<int64_t> ids;
    ids.reserve(batch.deliveries.size());
    for (const core::Delivery& delivery : batch.deliveries) ids.push_back(delivery.id);
    batch.signing_secrets = store_.GetSigningSecretsOfDeliveries(ids);
  }
  if (static_cast<int>(batch.deliveries.size()) < limit) {
    auto next_due = store_.NextDueTime();
    if (next_due.ok()) {
      batch.next_due_ms = *next_due;
    } else {
      batch.problem = "reading the next due time failed: " + next_due.error().message;
    }
  }
  return batch;
}

}  // namespace runhook::delivery
