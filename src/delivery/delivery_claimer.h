// DeliveryClaimer: claims due deliveries from the store on a thread of its own, so the
// dispatcher's sending thread never waits for SQLite (or for the store's connection while the
// server's HTTP threads are enqueueing) to get its next batch; it keeps driving libcurl while
// the next batch is claimed.
//
// One claim at a time: Request asks for up to `limit` deliveries; the thread claims them
// (Store::ClaimDueDeliveries, leased to the owner until now + lease, exactly as a claim on the
// sending thread would), reads their hooks' signing secrets (one store call for the batch) and,
// when it got fewer than asked, the store's next due time; then it calls `on_ready` and keeps
// the batch until Take. A claimed delivery is leased from the moment it is claimed, so nothing
// is claimed twice while a batch waits to be taken; a batch never taken (the server is killed)
// is released like any other lease (it expires, or the next server on the host releases it).
//
// Thread safety: Request, Take, Shutdown and the accessors from any thread; `on_ready` runs on
// the claimer's thread with no lock held. The store must outlive the claimer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace runhook::delivery {

// One claim's result.
struct ClaimedBatch {
  std::chrono::steady_clock::time_point claimed_at;  // just before the store call
  // The claimed deliveries, oldest due first; empty when the claim failed or nothing was due.
  std::vector<core::Delivery> deliveries;
  // One entry per delivery, in order: its hook's signing secrets or why they cannot be read.
  std::vector<Result<std::vector<std::string>>> signing_secrets;
  // Read only when fewer deliveries than asked were claimed: the store's next due time (unix
  // ms; nullopt when nothing is pending or it could not be read).
  std::optional<int64_t> next_due_ms;
  // Set when a store call failed: what failed, for the log.
  std::string problem;
};

class DeliveryClaimer {
 public:
  struct Options {
    std::chrono::milliseconds lease{60'000};
    std::string owner;  // the lease owner
  };

  // Starts the claiming thread. `on_ready` is called (on that thread) after each claim.
  DeliveryClaimer(store::Store& store, Options options, std::function<void()> on_ready);
  ~DeliveryClaimer();  // Shutdown()
  DeliveryClaimer(const DeliveryClaimer&) = delete;
  DeliveryClaimer& operator=(const DeliveryClaimer&) = delete;

  // Asks for a claim of up to `limit` deliveries. False (and nothing asked) when a claim is
  // already asked for, under way or waiting to be taken, when `limit` < 1, or after Shutdown.
  bool Request(int limit);

  // True from an accepted Request until Take has returned its batch.
  bool busy() const;

  // The claimed batch, or nullopt when none is ready yet. The caller owns the deliveries' leases.
  std::optional<ClaimedBatch> Take();

  // Finishes the claim under way (if any), then stops the thread. A batch claimed and not yet
  // taken stays for Take. Returns once the thread has stopped (every store call ends, at worst
  // after the store's busy timeout). Idempotent.
  void Shutdown();

 private:
  void Run();
  ClaimedBatch Claim(int limit);

  store::Store& store_;
  const Options options_;
  const std::function<void()> on_ready_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  int requested_limit_ = 0;            // guarded by mutex_; > 0 while a claim is asked for
  bool claiming_ = false;              // guarded by mutex_
  std::optional<ClaimedBatch> ready_;  // guarded by mutex_
  bool stopping_ = false;              // guarded by mutex_
  std::thread thread_;                 // started last, joined by Shutdown
};

}  // namespace runhook::delivery
