// Min/max downsampling of a metric series for charts: a million points become at most
// `max_points` that draw the same line, peaks and dips included, computed while the points
// stream in (in any step order) with memory bounded by max_points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace runhook::server {

struct SeriesPoint {
  int64_t step = 0;
  double value = 0;
  friend bool operator==(const SeriesPoint&, const SeriesPoint&) = default;
};

// Accumulates the points of one series, added in any order, and answers the points a chart
// should draw. Non-finite values are skipped. When at most `max_points` finite points were
// added, all of them come back, in step order (equal steps in the order added). Otherwise the
// steps from first_step to last_step are split into max_points / 2 buckets of equal step width,
// and each bucket keeps its lowest and its highest point (of equal values the one with the lowest
// step, then the one added first; one point when they are the same), in step order: the global
// minimum and maximum always survive and at most `max_points` come back.
// Memory: O(max_points) whatever the number of points added. Not thread-safe.
class MinMaxBuckets {
 public:
  // REQUIRES: first_step <= last_step, max_points >= 2. Every point added should have
  // first_step <= step <= last_step; one outside counts in the first or last bucket.
  MinMaxBuckets(int64_t first_step, int64_t last_step, size_t max_points);

  // Adds the points (steps[i], values[i]). REQUIRES: steps.size() == values.size().
  void Add(std::span<const int64_t> steps, std::span<const double> values);

  // The number of finite points added so far.
  size_t count() const { return count_; }
  // Whether Finish() returns fewer points than were added (count() > max_points).
  bool downsampled() const { return count_ > max_points_; }

  // The points to draw, in step order (see the class comment). Call once, after the last Add.
  std::vector<SeriesPoint> Finish();

 private:
  struct Extreme {
    int64_t step = 0;
    double value = 0;
    size_t order = 0;  // the number of finite points added before it
  };
  struct Bucket {
    bool filled = false;
    Extreme lowest;
    Extreme highest;
  };

  size_t BucketOf(int64_t step) const;
  void AddToBucket(const Extreme& point);
  // Moves the points kept so far into the buckets (when count() passes max_points).
  void StartBuckets();

  int64_t first_step_;
  int64_t last_step_;
  size_t max_points_;
  size_t count_ = 0;
  unsigned __int128 span_;          // last_step - first_step + 1
  bool narrow_;                     // offset * bucket count fits in 64 bits for every offset
  std::vector<SeriesPoint> exact_;  // every point, in the order added, while count_ <= max_points
  std::vector<Bucket> buckets_;     // max_points / 2 once count_ > max_points, else empty
};

}  // namespace runhook::server
