#include "server/series_downsampling.h"

#include <algorithm>
#include <cmath>

namespace runhook::server {

std::vector<size_t> DownsampleMinMax(std::span<const int64_t> steps, std::span<const double> values,
                                     size_t max_points) {
  std::vector<size_t> kept;
  size_t first = steps.size();  // the first and last finite points
  size_t last = 0;
  size_t finite_count = 0;
  for (size_t index = 0; index < values.size(); ++index) {
    if (!std::isfinite(values[index])) continue;
    if (finite_count++ == 0) first = index;
    last = index;
  }
  if (finite_count <= max_points) {
    kept.reserve(finite_count);
    for (size_t index = 0; index < values.size(); ++index)
      if (std::isfinite(values[index])) kept.push_back(index);
    return kept;
  }
  const size_t bucket_count = max_points / 2;
  kept.reserve(bucket_count * 2);
  // Bucket of a step: (step - first step) * buckets / span, in 128 bits so no step range
  // overflows; span is the step width of all buckets together.
  const unsigned __int128 span =
      static_cast<unsigned __int128>(static_cast<uint64_t>(steps[last] - steps[first])) + 1;
  auto bucket_of = [&](size_t index) {
    const auto offset = static_cast<uint64_t>(steps[index] - steps[first]);
    return static_cast<size_t>(static_cast<unsigned __int128>(offset) * bucket_count / span);
  };
  auto emit = [&kept](size_t lowest, size_t highest) {
    if (lowest == highest) {
      kept.push_back(lowest);
    } else {
      kept.push_back(std::min(lowest, highest));
      kept.push_back(std::max(lowest, highest));
    }
  };
  size_t bucket = bucket_of(first);
  size_t lowest = first;
  size_t highest = first;
  for (size_t index = first + 1; index <= last; ++index) {
    if (!std::isfinite(values[index])) continue;
    const size_t index_bucket = bucket_of(index);
    if (index_bucket != bucket) {
      emit(lowest, highest);
      bucket = index_bucket;
      lowest = highest = index;
      continue;
    }
    if (values[index] < values[lowest]) lowest = index;
    if (values[index] > values[highest]) highest = index;
  }
  emit(lowest, highest);
  return kept;
}

}  // namespace runhook::server
