// Min/max downsampling of a metric series for charts: a million points become at most
// `max_points` that draw the same line, peaks and dips included. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace runhook::server {

// The indices (increasing) of the points of (steps[i], values[i]) a chart should draw.
// Non-finite values are never kept. When at most `max_points` finite points remain, all of them
// are kept. Otherwise the steps from the first to the last point are split into max_points / 2
// buckets of equal step width, and each bucket keeps its lowest and its highest point (the
// first of equal ones; one point when they are the same), in step order: the series' global
// minimum and maximum always survive and at most `max_points` are kept.
// REQUIRES: `steps` sorted, steps.size() == values.size(), max_points >= 2.
std::vector<size_t> DownsampleMinMax(std::span<const int64_t> steps, std::span<const double> values,
                                     size_t max_points);

}  // namespace runhook::server
