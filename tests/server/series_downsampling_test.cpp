// Min/max downsampling of metric series while they stream in (series_downsampling.h).
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

// The points kept of (steps[i], values[i]), added in one go, bucketed over the first to the
// last step.
std::vector<SeriesPoint> Downsample(const std::vector<int64_t>& steps,
                                    const std::vector<double>& values, size_t max_points) {
  MinMaxBuckets buckets(steps.empty() ? 0 : steps.front(), steps.empty() ? 0 : steps.back(),
                        max_points);
  buckets.Add(steps, values);
  return buckets.Finish();
}

// The steps of the points kept (with StepsUpTo, each step is the index of its point).
std::vector<int64_t> KeptSteps(const std::vector<int64_t>& steps, const std::vector<double>& values,
                               size_t max_points) {
  std::vector<int64_t> kept;
  for (const SeriesPoint& point : Downsample(steps, values, max_points)) kept.push_back(point.step);
  return kept;
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
  MinMaxBuckets buckets(0, 0, 1000);
  EXPECT_TRUE(buckets.Finish().empty());
  EXPECT_EQ(buckets.count(), 0u);
  EXPECT_FALSE(buckets.downsampled());
}

TEST(SeriesDownsampling, SinglePointIsKept) {
  const std::vector<int64_t> steps{42};
  const std::vector<double> values{0.5};
  EXPECT_EQ(Downsample(steps, values, 2), (std::vector<SeriesPoint>{{42, 0.5}}));
}

TEST(SeriesDownsampling, SeriesWithinTheLimitComesBackUnchanged) {
  const std::vector<int64_t> steps = StepsUpTo(1000);
  const std::vector<double> values = NoisyValues(1000, 1);
  EXPECT_EQ(KeptSteps(steps, values, 1000), StepsUpTo(1000));
  EXPECT_EQ(KeptSteps(steps, values, 5000), StepsUpTo(1000));
}

TEST(SeriesDownsampling, EachBucketKeepsItsLowestAndHighestInStepOrder) {
  // Steps 0..9 in 2 buckets of 5 steps each: [0, 4] and [5, 9].
  const std::vector<int64_t> steps = StepsUpTo(10);
  const std::vector<double> values{5, 9, 1, 4, 4, 7, 7, 0, 3, 8};
  // Bucket 1: highest 9 (index 1), lowest 1 (index 2). Bucket 2: lowest 0 (7), highest 8 (9).
  EXPECT_EQ(KeptSteps(steps, values, 4), (std::vector<int64_t>{1, 2, 7, 9}));
  // An odd limit rounds the bucket count down: 5 allows 2 buckets.
  EXPECT_EQ(KeptSteps(steps, values, 5), (std::vector<int64_t>{1, 2, 7, 9}));
}

TEST(SeriesDownsampling, FlatBucketKeepsOnePoint) {
  const std::vector<int64_t> steps = StepsUpTo(6);
  const std::vector<double> values(6, 2.5);
  // 1 bucket: lowest and highest are the same first point.
  EXPECT_EQ(KeptSteps(steps, values, 3), std::vector<int64_t>{0});
}

TEST(SeriesDownsampling, NeverKeepsMoreThanTheLimitAndKeepsIndicesIncreasing) {
  for (size_t count : {3u, 1001u, 20'000u, 100'003u}) {
    const std::vector<int64_t> steps = StepsUpTo(count);
    const std::vector<double> values = NoisyValues(count, static_cast<unsigned>(count));
    for (size_t limit : {2u, 3u, 7u, 1000u, 1001u, 10'000u}) {
      const std::vector<int64_t> kept = KeptSteps(steps, values, limit);
      EXPECT_LE(kept.size(), limit) << count << " points, limit " << limit;
      if (count <= limit) {
        EXPECT_EQ(kept, StepsUpTo(count)) << count << " points, " << limit;
      }
      EXPECT_TRUE(std::adjacent_find(kept.begin(), kept.end(), std::greater_equal<int64_t>()) ==
                  kept.end())
          << count << " points, limit " << limit;
      if (count > limit) {
        EXPECT_GE(kept.size(), limit / 2) << count << " points, " << limit;
      }
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
    const std::vector<int64_t> kept = KeptSteps(steps, values, limit);
    EXPECT_NE(std::find(kept.begin(), kept.end(), int64_t{123'457}), kept.end()) << limit;
    EXPECT_NE(std::find(kept.begin(), kept.end(), int64_t{987'653}), kept.end()) << limit;
  }
}

TEST(SeriesDownsampling, UnevenAndHugeStepsStayWithinTheLimit) {
  // Steps far apart (no overflow in the bucket arithmetic) and clustered at one end.
  std::vector<int64_t> steps;
  for (int64_t step = 0; step < 5000; ++step) steps.push_back(step);
  steps.push_back(std::numeric_limits<int64_t>::max() - 1);
  steps.push_back(std::numeric_limits<int64_t>::max());
  const std::vector<double> values = NoisyValues(steps.size(), 3);
  const std::vector<int64_t> kept = KeptSteps(steps, values, 100);
  EXPECT_LE(kept.size(), 100u);
  EXPECT_EQ(kept.back(), std::numeric_limits<int64_t>::max());
}

TEST(SeriesDownsampling, NonFiniteValuesAreNeverKept) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();
  const std::vector<int64_t> small_steps = StepsUpTo(5);
  const std::vector<double> small_values{1.0, nan, 2.0, infinity, 3.0};
  EXPECT_EQ(KeptSteps(small_steps, small_values, 1000), (std::vector<int64_t>{0, 2, 4}));

  const std::vector<int64_t> steps = StepsUpTo(50'000);
  std::vector<double> values = NoisyValues(50'000, 5);
  for (size_t index = 0; index < values.size(); index += 3) values[index] = nan;
  values[0] = nan;
  values[49'999] = -infinity;
  for (const SeriesPoint& point : Downsample(steps, values, 1000))
    ASSERT_TRUE(std::isfinite(point.value)) << "step " << point.step;
  const std::vector<double> all_nan(3000, nan);
  EXPECT_TRUE(KeptSteps(StepsUpTo(3000), all_nan, 1000).empty());
}

TEST(SeriesDownsampling, KeptPointsCarryTheirValues) {
  const std::vector<int64_t> steps = StepsUpTo(10);
  const std::vector<double> values{5, 9, 1, 4, 4, 7, 7, 0, 3, 8};
  EXPECT_EQ(Downsample(steps, values, 4),
            (std::vector<SeriesPoint>{{1, 9.0}, {2, 1.0}, {7, 0.0}, {9, 8.0}}));
}

// Points added in chunks that overlap in steps (logged out of order) give what the same points
// added in step order give, ties included.
TEST(SeriesDownsampling, OverlappingChunksInAnyOrderGiveTheSamePoints) {
  const size_t count = 100'003;
  const std::vector<int64_t> steps = StepsUpTo(count);
  std::vector<double> values = NoisyValues(count, 11);
  for (double& value : values) value = std::round(value);  // many equal values
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937(4));
  for (size_t limit : {2u, 7u, 1000u, 10'000u}) {
    MinMaxBuckets shuffled(0, static_cast<int64_t>(count) - 1, limit);
    for (size_t first = 0; first < count; first += 2048) {  // chunks of up to 2048 points
      std::vector<int64_t> chunk_steps;
      std::vector<double> chunk_values;
      for (size_t index = first; index < std::min(count, first + 2048); ++index) {
        chunk_steps.push_back(steps[order[index]]);
        chunk_values.push_back(values[order[index]]);
      }
      shuffled.Add(chunk_steps, chunk_values);
    }
    EXPECT_EQ(shuffled.count(), count);
    EXPECT_TRUE(shuffled.downsampled());
    EXPECT_EQ(shuffled.Finish(), Downsample(steps, values, limit)) << "limit " << limit;
  }
}

TEST(SeriesDownsampling, FewPointsAddedOutOfOrderComeBackInStepOrder) {
  MinMaxBuckets buckets(0, 100, 10);
  const std::vector<int64_t> later_steps{50, 60, 70};
  const std::vector<double> later_values{5.0, 6.0, 7.0};
  const std::vector<int64_t> earlier_steps{10, 60, 20};  // a second point at step 60
  const std::vector<double> earlier_values{1.0, 6.5, 2.0};
  buckets.Add(later_steps, later_values);
  buckets.Add(earlier_steps, earlier_values);
  EXPECT_EQ(buckets.count(), 6u);
  EXPECT_FALSE(buckets.downsampled());
  // Equal steps keep the order added.
  EXPECT_EQ(
      buckets.Finish(),
      (std::vector<SeriesPoint>{{10, 1.0}, {20, 2.0}, {50, 5.0}, {60, 6.0}, {60, 6.5}, {70, 7.0}}));
}

// The store's range summary may span far more steps than the points in range (partial chunks,
// gaps); the count, not the range, decides whether points are kept exactly.
TEST(SeriesDownsampling, CountDecidesWhateverTheRangeSpans) {
  const std::vector<int64_t> steps = StepsUpTo(1000);
  const std::vector<double> values = NoisyValues(1000, 2);
  MinMaxBuckets exact(0, 1'000'000, 1000);
  exact.Add(steps, values);
  EXPECT_FALSE(exact.downsampled());
  EXPECT_EQ(exact.Finish().size(), 1000u);

  // One point more: all fall in the first of 500 buckets, which keeps its lowest and highest.
  MinMaxBuckets over(0, 1'000'000, 1000);
  over.Add(steps, values);
  const std::vector<int64_t> extra_step{1000};
  const std::vector<double> extra_value{values[0]};
  over.Add(extra_step, extra_value);
  EXPECT_EQ(over.count(), 1001u);
  EXPECT_TRUE(over.downsampled());
  const std::vector<SeriesPoint> kept = over.Finish();
  ASSERT_EQ(kept.size(), 2u);
  // The first of equal values: min_element and max_element both return the first.
  const int64_t lowest = std::min_element(values.begin(), values.end()) - values.begin();
  const int64_t highest = std::max_element(values.begin(), values.end()) - values.begin();
  EXPECT_EQ(kept[0].step, std::min(lowest, highest));
  EXPECT_EQ(kept[1].step, std::max(lowest, highest));
}

}  // namespace
}  // namespace runhook::server
