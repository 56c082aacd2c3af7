// DestinationScheduler: the dispatcher's claimed deliveries, held until their destination has
// room, so a receiver that hangs for its whole timeout delays only its own deliveries.
//
// At most `max_in_flight` deliveries are in flight in all and at most `max_per_host` to one
// destination (scheme, host and port of the URL). Deliveries that cannot start yet wait here,
// per destination beyond its free slots at most `max_waiting_per_responsive_host` while the
// destination answers within a second, and at most `max_waiting_per_host` once a request to it
// has been in flight for longer (it is slow or hanging); Add refuses more, and the dispatcher
// hands those back to the store (Store::DeferDelivery) instead of letting one destination fill
// every slot. A destination that turns slow gives up its waiting deliveries beyond
// `max_waiting_per_host` (TakeExcessOfSlowDestinations). So a fast receiver keeps a long line
// (no claim is handed back just because its 8 connections are busy) while a hanging one holds
// only a short one. Waiting deliveries start oldest claim first.
//
// Thread safety: none; the dispatcher's sending thread owns it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/delivery.h"

namespace runhook::delivery {

// "scheme://host:port" of `url`, lower-cased, without user info, path or query; the whole URL
// when it has no "://". Used only to group deliveries, never to connect.
std::string DestinationOf(std::string_view url);

class DestinationScheduler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Values below 1 are raised to 1; `max_waiting_per_responsive_host` defaults to (and is at
  // least) `max_waiting_per_host`.
  DestinationScheduler(int max_in_flight, int max_per_host, int max_waiting_per_host,
                       int max_waiting_per_responsive_host = 0);

  // Holds a claimed delivery until it can start. False (and the delivery is not kept) when its
  // destination already has max_waiting_per_host deliveries waiting.
  bool Add(const core::Delivery& delivery, TimePoint claimed_at);

  // Removes and returns the waiting deliveries that may start now, oldest claim first, and
  // counts them in flight, with `now` as their start and `deadline` = now + their timeout.
  std::vector<core::Delivery> TakeStartable(TimePoint now);

  // A delivery that TakeStartable returned has completed (or was abandoned).
  void Finished(const core::Delivery& delivery);

  // Removes and returns the waiting deliveries claimed before `cutoff` (their lease is running
  // out; the dispatcher hands them back to the store).
  std::vector<core::Delivery> TakeClaimedBefore(TimePoint cutoff);

  // Removes and returns, per destination that is slow at `now` (a request in flight for over a
  // second), its waiting deliveries beyond max_waiting_per_host, newest claims first.
  std::vector<core::Delivery> TakeExcessOfSlowDestinations(TimePoint now);

  // Removes and returns every waiting delivery (at shutdown).
  std::vector<core::Delivery> TakeAllWaiting();

  // When a delivery to `destination` that Add refused should be tried again: 100 ms from `now`
  // while the destination is responsive, or, when its oldest request in flight has run for
  // over a second (it is slow or hanging), when the first request in flight there reaches its
  // timeout (at least a second from now).
  TimePoint RetryBusyDestinationAt(const std::string& destination, TimePoint now) const;

  size_t waiting() const { return waiting_.size(); }
  size_t in_flight() const { return in_flight_count_; }
  // The most deliveries Add can still accept in all, counting free slots in flight.
  size_t Room() const;

 private:
  struct Waiting {
    core::Delivery delivery;
    std::string destination;
    TimePoint claimed_at;
  };
  struct Running {
    TimePoint started;
    TimePoint deadline;
  };
  struct Destination {
    int waiting = 0;
    std::unordered_map<int64_t, Running> in_flight;  // by delivery id
  };

  // True when a request to `destination` has been in flight for over kSlowDestination.
  static bool IsSlow(const Destination& destination, TimePoint now);
  // True when a waiting delivery may start: room in all, and a destination with a waiting
  // delivery and a free slot. Looks at each destination, not at each waiting delivery.
  bool AnyMayStart() const;

  const size_t max_in_flight_;
  const int max_per_host_;
  const int max_waiting_per_host_;
  const int max_waiting_per_responsive_host_;
  std::deque<Waiting> waiting_;  // oldest claim first
  std::unordered_map<std::string, Destination> destinations_;
  size_t in_flight_count_ = 0;
};

}  // namespace runhook::delivery
