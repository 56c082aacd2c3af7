// Dispatcher: the server's background sender of webhook deliveries.
//
// It claims due deliveries from the store with a lease, sends them with libcurl multi (many in
// flight, at most `max_per_host` to one destination, a per-attempt timeout from the delivery),
// signs each attempt when the delivery's hook has signing secrets (signature.h), and records
// every attempt (time, status, latency, first 4 KiB of the response, error) with the
// delivery's new state: delivered, pending again at the retry schedule's next time, failed, or
// dead once its attempts are spent (retry_policy.h). A 410 Gone disables the hook. Attempts are
// recorded in batches within a few milliseconds of finishing, on a thread of their own
// (attempt_recorder.h), and before Shutdown returns; until then the delivery keeps its lease, so
// it is never claimed twice at once. Claims run on a thread of their own too
// (delivery_claimer.h): the next batch is claimed while the sending thread sends what it holds.
//
// Thread safety: Start, Notify and Shutdown may be called from any thread. The store must
// outlive the dispatcher.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "delivery/destination_policy.h"
#include "delivery/retry_schedule.h"
#include "store/store.h"

namespace runhook::delivery {

struct DispatcherOptions {
  int max_in_flight = 64;
  std::chrono::milliseconds lease{60'000};     // how long a claimed delivery stays ours
  std::chrono::milliseconds idle_poll{1'000};  // re-check the store at least this often
  std::string owner = "dispatcher";            // lease owner name (host:pid in the server)
  std::string user_agent = "runhook/" RUNHOOK_VERSION;
  // Requests in flight to one destination (scheme, host, port); more wait their turn.
  int max_per_host = 8;
  // When attempts are made and how many a delivery gets when its max_attempts is 0.
  RetrySchedule retry_schedule = RetrySchedule::Default();
  // Draws the jitter factor, values in [0, 1) (tests fix it); null: a seeded random generator.
  // Called on the sending thread only.
  std::function<double()> jitter_source{};
  // Which addresses may be connected to (destination_policy.h). Default: loopback-only, every
  // destination allowed. A refused destination fails the delivery permanently with the reason.
  DestinationPolicy destination_policy{};
};

class Dispatcher {
 public:
  Dispatcher(store::Store& store, DispatcherOptions options);
  ~Dispatcher();  // calls Shutdown with a short timeout
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the sending thread. Call once.
  void Start();

  // Wakes the sending thread: new deliveries were committed. Cheap; never blocks on I/O.
  void Notify();

  // Stops claiming, waits up to `timeout` for requests in flight, then aborts the rest (their
  // leases expire and a later dispatcher retries them). Always returns; true when nothing was
  // aborted. Idempotent.
  bool Shutdown(std::chrono::milliseconds timeout);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runhook::delivery
