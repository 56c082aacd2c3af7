#include "server/series_downsampling.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace runhook::server {

MinMaxBuckets::MinMaxBuckets(int64_t first_step, int64_t last_step, size_t max_points)
    : first_step_(first_step),
      last_step_(std::max(first_step, last_step)),
      max_points_(std::max<size_t>(max_points, 2)),
      span_(static_cast<unsigned __int128>(static_cast<uint64_t>(last_step_) -
                                           static_cast<uint64_t>(first_step_)) +
            1),
      narrow_(span_ <= std::numeric_limits<uint64_t>::max() / (max_points_ / 2)) {}

size_t MinMaxBuckets::BucketOf(int64_t step) const {
  const int64_t clamped = std::clamp(step, first_step_, last_step_);
  const uint64_t offset = static_cast<uint64_t>(clamped) - static_cast<uint64_t>(first_step_);
  const size_t bucket_count = buckets_.size();
  // (offset * buckets) / span in 64 bits when that cannot overflow, else in 128.
  if (narrow_) return static_cast<size_t>(offset * bucket_count / static_cast<uint64_t>(span_));
  return static_cast<size_t>(static_cast<unsigned __int128>(offset) * bucket_count / span_);
}

void MinMaxBuckets::AddToBucket(const Extreme& point) {
  Bucket& bucket = buckets_[BucketOf(point.step)];
  if (!bucket.filled) {
    bucket = Bucket{.filled = true, .lowest = point, .highest = point};
    return;
  }
  // Of equal values the lowest step wins, then the point added first (it is already there).
  const Extreme& lowest = bucket.lowest;
  if (point.value < lowest.value || (point.value == lowest.value && point.step < lowest.step))
    bucket.lowest = point;
  const Extreme& highest = bucket.highest;
  if (point.value > highest.value || (point.value == highest.value && point.step < highest.step))
    bucket.highest = point;
}

void MinMaxBuckets::StartBuckets() {
  buckets_.resize(max_points_ / 2);
  for (size_t order = 0; order < exact_.size(); ++order)
    AddToBucket(Extreme{exact_[order].step, exact_[order].value, order});
  std::vector<SeriesPoint>().swap(exact_);  // give the memory back
}

void MinMaxBuckets::Add(std::span<const int64_t> steps, std::span<const double> values) {
  for (size_t index = 0; index < steps.size(); ++index) {
    const double value = values[index];
    if (!std::isfinite(value)) continue;
    if (buckets_.empty()) {
      if (count_ < max_points_) {
        exact_.push_back(SeriesPoint{steps[index], value});
        ++count_;
        continue;
      }
      StartBuckets();
    }
    AddToBucket(Extreme{steps[index], value, count_++});
  }
}

std::vector<SeriesPoint> MinMaxBuckets::Finish() {
  if (buckets_.empty()) {
    std::stable_sort(
        exact_.begin(), exact_.end(),
        [](const SeriesPoint& left, const SeriesPoint& right) { return left.step < right.step; });
    return std::move(exact_);
  }
  std::vector<SeriesPoint> kept;
  kept.reserve(buckets_.size() * 2);
  for (const Bucket& bucket : buckets_) {
    if (!bucket.filled) continue;
    const Extreme& lowest = bucket.lowest;
    const Extreme& highest = bucket.highest;
    if (lowest.order == highest.order) {
      kept.push_back(SeriesPoint{lowest.step, lowest.value});
      continue;
    }
    const bool lowest_first =
        lowest.step < highest.step || (lowest.step == highest.step && lowest.order < highest.order);
    const Extreme& early = lowest_first ? lowest : highest;
    const Extreme& late = lowest_first ? highest : lowest;
    kept.push_back(SeriesPoint{early.step, early.value});
    kept.push_back(SeriesPoint{late.step, late.value});
  }
  return kept;
}

}  // namespace runhook::server
