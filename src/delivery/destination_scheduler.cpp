#include "delivery/destination_scheduler.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace runhook::delivery {
namespace {

using std::chrono::milliseconds;

// A destination answering within this is responsive: its queue drains soon, so deliveries it
// had no room for are tried again after kResponsiveRetryDelay. One slower than this is
// treated as hanging: they wait until its first request in flight times out.
constexpr milliseconds kSlowDestination{1'000};
constexpr milliseconds kResponsiveRetryDelay{100};

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

milliseconds TimeoutOf(const core::Delivery& delivery) {
  const double timeout_ms = std::max(1.0, std::ceil(delivery.request.timeout_seconds * 1000.0));
  return milliseconds(static_cast<int64_t>(timeout_ms));
}

}  // namespace

std::string DestinationOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Lowercase(url);
  const size_t authority_start = scheme_end + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  return Lowercase(url.substr(0, authority_start)) + Lowercase(authority);
}

DestinationScheduler::DestinationScheduler(int max_in_flight, int max_per_host,
                                           int max_waiting_per_host,
                                           int max_waiting_per_responsive_host)
    : max_in_flight_(static_cast<size_t>(std::max(max_in_flight, 1))),
      max_per_host_(std::max(max_per_host, 1)),
      max_waiting_per_host_(std::max(max_waiting_per_host, 1)),
      max_waiting_per_responsive_host_(
          std::max(max_waiting_per_responsive_host, max_waiting_per_host_)) {}

bool DestinationScheduler::IsSlow(const Destination& destination, TimePoint now) {
  for (const auto& [id, running] : destination.in_flight)
    if (now - running.started > kSlowDestination) return true;
  return false;
}

bool DestinationScheduler::Add(const core::Delivery& delivery, TimePoint claimed_at) {
  std::string destination = DestinationOf(delivery.request.url);
  Destination& state = destinations_[destination];
  // Free slots in flight are filled from the waiting line first, so they count as room too.
  const int free_slots = std::max(max_per_host_ - static_cast<int>(state.in_flight.size()), 0);
  const int max_waiting =
      IsSlow(state, claimed_at) ? max_waiting_per_host_ : max_waiting_per_responsive_host_;
  if (state.waiting >= max_waiting + free_slots) return false;
  ++state.waiting;
  waiting_.push_back({delivery, std::move(destination), claimed_at});
  return true;
}

bool DestinationScheduler::AnyMayStart() const {
  if (in_flight_count_ >= max_in_flight_) return false;
  for (const auto& [name, state] : destinations_)
    if (state.waiting > 0 && static_cast<int>(state.in_flight.size()) < max_per_host_) return true;
  return false;
}

std::vector<core::Delivery> DestinationScheduler::TakeStartable(TimePoint now) {
  std::vector<core::Delivery> startable;
  // Checked before the walk and after each start, so a waiting line whose destinations are all
  // busy (a fast receiver's, most of the time) is not walked to its end at every completion.
  if (!AnyMayStart()) return startable;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    Destination& state = destinations_[it->destination];
    if (static_cast<int>(state.in_flight.size()) >= max_per_host_) {
      ++it;
      continue;
    }
    --state.waiting;
    state.in_flight[it->delivery.id] = {now, now + TimeoutOf(it->delivery)};
    ++in_flight_count_;
    startable.push_back(std::move(it->delivery));
    it = waiting_.erase(it);
    if (!AnyMayStart()) break;
  }
  return startable;
}

void DestinationScheduler::Finished(const core::Delivery& delivery) {
  const std::string destination = DestinationOf(delivery.request.url);
  auto found = destinations_.find(destination);
  if (found == destinations_.end()) return;
  if (found->second.in_flight.erase(delivery.id) > 0) --in_flight_count_;
  if (found->second.in_flight.empty() && found->second.waiting == 0) destinations_.erase(found);
}

std::vector<core::Delivery> DestinationScheduler::TakeClaimedBefore(TimePoint cutoff) {
  std::vector<core::Delivery> taken;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->claimed_at >= cutoff) {
      ++it;
      continue;
    }
    auto state = destinations_.find(it->destination);
    if (state != destinations_.end()) {
      --state->second.waiting;
      if (state->second.in_flight.empty() && state->second.waiting == 0) destinations_.erase(state);
    }
    taken.push_back(std::move(it->delivery));
    it = waiting_.erase(it);
  }
  return taken;
}

std::vector<core::Delivery> DestinationScheduler::TakeExcessOfSlowDestinations(TimePoint now) {
  std::vector<core::Delivery> taken;
  if (max_waiting_per_responsive_host_ == max_waiting_per_host_) return taken;
  for (auto it = waiting_.end(); it != waiting_.begin();) {
    --it;
    Destination& state = destinations_[it->destination];
    if (state.waiting <= max_waiting_per_host_ || !IsSlow(state, now)) continue;
    --state.waiting;
    taken.push_back(std::move(it->delivery));
    it = waiting_.erase(it);
  }
  return taken;
}

std::vector<core::Delivery> DestinationScheduler::TakeAllWaiting() {
  return TakeClaimedBefore(TimePoint::max());
}

DestinationScheduler::TimePoint DestinationScheduler::RetryBusyDestinationAt(
    const std::string& destination, TimePoint now) const {
  const TimePoint soon = now + kResponsiveRetryDelay;
  auto found = destinations_.find(destination);
  if (found == destinations_.end() || found->second.in_flight.empty()) return soon;
  TimePoint oldest_start = TimePoint::max();
  TimePoint first_deadline = TimePoint::max();
  for (const auto& [id, running] : found->second.in_flight) {
    oldest_start = std::min(oldest_start, running.started);
    first_deadline = std::min(first_deadline, running.deadline);
  }
  if (now - oldest_start <= kSlowDestination) return soon;
  return std::max(now + kSlowDestination, first_deadline);
}

size_t DestinationScheduler::Room() const {
  // Up to max_in_flight in flight plus as many again waiting.
  const size_t capacity = 2 * max_in_flight_;
  const size_t held = in_flight_count_ + waiting_.size();
  return held >= capacity ? 0 : capacity - held;
}

}  // namespace runhook::delivery
