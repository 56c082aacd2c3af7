// Min/max downsampling of metric series (series_downsampling.h).
#include "server/series_downsampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace runhook::server {
namespace {

std::vector<int64_t> StepsUpTo(size_t count) {
  std::vector<int64_t> steps(count);
  std::iota(steps.begin(), steps.end(), int64_t{0});
  return steps;
}

std::vector<size_t> AllIndices(size_t count) {
  std::vector<size_t> indices(count);
  std::iota(indices.begin(), indices.end(), size_t{0});
  return indices;
}

// A noisy series with a few sharp spikes, deterministic.
std::vector<double> NoisyValues(size_t count, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> values(count);
  for (size_t index = 0; index < count; ++index)
    values[index] = 10.0 / (1.0 + static_cast<double>(index) / 1000.0) + noise(generator);
  return values;
}

TEST(SeriesDownsampling, EmptySeriesKeepsNothing) {
  EXPECT_TRUE(DownsampleMinMax({}, {}, 1000).empty());
}

TEST(SeriesDownsampling, SinglePointIsKept) {
  const std::vector<int64_t> steps{42};
  const std::vector<double> values{0.5};
  EXPECT_EQ(DownsampleMinMax(steps, values, 2), std::vector<size_t>{0});
}

TEST(SeriesDownsampling, SeriesWithinTheLimitComesBackUnchanged) {
  const std::vector<int64_t> steps = StepsUpTo(1000);
  const std::vector<double> values = NoisyValues(1000, 1);
  EXPECT_EQ(DownsampleMinMax(steps, values, 1000), AllIndices(1000));
  EXPECT_EQ(DownsampleMinMax(steps, values, 5000), AllIndices(1000));
}

TEST(SeriesDownsampling, EachBucketKeepsItsLowestAndHighestInStepOrder) {
  // Steps 0..9 in 2 buckets of 5 steps each: [0, 4] and [5, 9].
  const std::vector<int64_t> steps = StepsUpTo(10);
  const std::vector<double> values{5, 9, 1, 4, 4, 7, 7, 0, 3, 8};
  // Bucket 1: highest 9 (index 1), lowest 1 (index 2). Bucket 2: lowest 0 (7), highest 8 (9).
  EXPECT_EQ(DownsampleMinMax(steps, values, 4), (std::vector<size_t>{1, 2, 7, 9}));
  // An odd limit rounds the bucket count down: 5 allows 2 buckets.
  EXPECT_EQ(DownsampleMinMax(steps, values, 5), (std::vector<size_t>{1, 2, 7, 9}));
}

TEST(SeriesDownsampling, FlatBucketKeepsOnePoint) {
  const std::vector<int64_t> steps = StepsUpTo(6);
  const std::vector<double> values(6, 2.5);
  // 1 bucket: lowest and highest are the same first point.
  EXPECT_EQ(DownsampleMinMax(steps, values, 3), std::vector<size_t>{0});
}

TEST(SeriesDownsampling, NeverKeepsMoreThanTheLimitAndKeepsIndicesIncreasing) {
  for (size_t count : {3u, 1001u, 20'000u, 100'003u}) {
    const std::vector<int64_t> steps = StepsUpTo(count);
    const std::vector<double> values = NoisyValues(count, static_cast<unsigned>(count));
    for (size_t limit : {2u, 3u, 7u, 1000u, 1001u, 10'000u}) {
      const std::vector<size_t> kept = DownsampleMinMax(steps, values, limit);
      EXPECT_LE(kept.size(), limit) << count << " points, limit " << limit;
      if (count <= limit) EXPECT_EQ(kept, AllIndices(count)) << count << " points, " << limit;
      EXPECT_TRUE(std::adjacent_find(kept.begin(), kept.end(), std::greater_equal<size_t>()) ==
                  kept.end())
          << count << " points, limit " << limit;
      if (count > limit) EXPECT_GE(kept.size(), limit / 2) << count << " points, " << limit;
    }
  }
}

TEST(SeriesDownsampling, GlobalExtremesAlwaysSurvive) {
  const size_t count = 1'000'000;
  const std::vector<int64_t> steps = StepsUpTo(count);
  std::vector<double> values = NoisyValues(count, 7);
  values[123'457] = 1e6;   // a single spike
  values[987'653] = -1e6;  // a single dip
  for (size_t limit : {2u, 10u, 1000u}) {
    const std::vector<size_t> kept = DownsampleMinMax(steps, values, limit);
    EXPECT_NE(std::find(kept.begin(), kept.end(), size_t{123'457}), kept.end()) << limit;
    EXPECT_NE(std::find(kept.begin(), kept.end(), size_t{987'653}), kept.end()) << limit;
  }
}

TEST(SeriesDownsampling, UnevenAndHugeStepsStayWithinTheLimit) {
  // Steps far apart (no overflow in the bucket arithmetic) and clustered at one end.
  std::vector<int64_t> steps;
  for (int64_t step = 0; step < 5000; ++step) steps.push_back(step);
  steps.push_back(std::numeric_limits<int64_t>::max() - 1);
  steps.push_back(std::numeric_limits<int64_t>::max());
  const std::vector<double> values = NoisyValues(steps.size(), 3);
  const std::vector<size_t> kept = DownsampleMinMax(steps, values, 100);
  EXPECT_LE(kept.size(), 100u);
  EXPECT_EQ(kept.back(), steps.size() - 1);
}

TEST(SeriesDownsampling, NonFiniteValuesAreNeverKept) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();
  const std::vector<int64_t> small_steps = StepsUpTo(5);
  const std::vector<double> small_values{1.0, nan, 2.0, infinity, 3.0};
  EXPECT_EQ(DownsampleMinMax(small_steps, small_values, 1000), (std::vector<size_t>{0, 2, 4}));

  const std::vector<int64_t> steps = StepsUpTo(50'000);
  std::vector<double> values = NoisyValues(50'000, 5);
  for (size_t index = 0; index < values.size(); index += 3) values[index] = nan;
  values[0] = nan;
  values[49'999] = -infinity;
  for (size_t index : DownsampleMinMax(steps, values, 1000))
    ASSERT_TRUE(std::isfinite(values[index])) << "index " << index;
  const std::vector<double> all_nan(3000, nan);
  EXPECT_TRUE(DownsampleMinMax(StepsUpTo(3000), all_nan, 1000).empty());
}

}  // namespace
}  // namespace runhook::server
