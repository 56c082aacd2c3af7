// The dispatcher's per-destination bookkeeping: caps in flight per host and in all, a bounded
// waiting line per destination, and when a busy destination is worth trying again.
#include "delivery/destination_scheduler.h"

#include <gtest/gtest.h>

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using TimePoint = DestinationScheduler::TimePoint;

core::Delivery To(const std::string& url, int64_t id, double timeout_seconds = 10) {
  core::Delivery delivery;
  delivery.id = id;
  delivery.request.url = url;
  delivery.request.timeout_seconds = timeout_seconds;
  return delivery;
}

std::vector<int64_t> Ids(const std::vector<core::Delivery>& deliveries) {
  std::vector<int64_t> ids;
  for (const auto& delivery : deliveries) ids.push_back(delivery.id);
  return ids;
}

const TimePoint kStart = TimePoint() + 1000h;

TEST(DestinationOf, KeepsSchemeHostAndPortOnly) {
  EXPECT_EQ(DestinationOf("https://Example.COM:8443/a/b?c=d#e"), "https://example.com:8443");
  EXPECT_EQ(DestinationOf("http://user:pw@host.test/x"), "http://host.test");
  EXPECT_EQ(DestinationOf("http://[::1]:9000?q"), "http://[::1]:9000");
  EXPECT_EQ(DestinationOf("HTTP://a"), "http://a");
  EXPECT_EQ(DestinationOf("not a url"), "not a url");
}

TEST(DestinationScheduler, StartsAtMostMaxPerHostToOneDestination) {
  DestinationScheduler scheduler(/*max_in_flight=*/10, /*max_per_host=*/2, /*waiting=*/5);
  for (int64_t id = 1; id <= 4; ++id) ASSERT_TRUE(scheduler.Add(To("http://a/", id), kStart));
  ASSERT_TRUE(scheduler.Add(To("http://b/", 5), kStart));
  EXPECT_EQ(Ids(scheduler.TakeStartable(kStart)), (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(scheduler.in_flight(), 3u);
  EXPECT_EQ(scheduler.waiting(), 2u);
  EXPECT_TRUE(scheduler.TakeStartable(kStart).empty());
  scheduler.Finished(To("http://a/", 1));
  EXPECT_EQ(Ids(scheduler.TakeStartable(kStart)), (std::vector<int64_t>{3}));
}

TEST(DestinationScheduler, StartsAtMostMaxInFlightInAll) {
  DestinationScheduler scheduler(3, 8, 8);
  for (int64_t id = 1; id <= 5; ++id)
    ASSERT_TRUE(scheduler.Add(To("http://host" + std::to_string(id) + "/", id), kStart));
  EXPECT_EQ(Ids(scheduler.TakeStartable(kStart)), (std::vector<int64_t>{1, 2, 3}));
  scheduler.Finished(To("http://host2/", 2));
  EXPECT_EQ(Ids(scheduler.TakeStartable(kStart)), (std::vector<int64_t>{4}));
}

TEST(DestinationScheduler, RefusesMoreThanTheWaitingLimitBeyondFreeSlots) {
  DestinationScheduler scheduler(10, 1, 2);
  EXPECT_TRUE(scheduler.Add(To("http://a/", 1), kStart));  // takes the free slot when started
  EXPECT_TRUE(scheduler.Add(To("http://a/", 2), kStart));
  EXPECT_TRUE(scheduler.Add(To("http://a/", 3), kStart));
  EXPECT_FALSE(scheduler.Add(To("http://a/", 4), kStart));
  scheduler.TakeStartable(kStart);  // 1 in flight, 2 waiting
  EXPECT_FALSE(scheduler.Add(To("http://a/", 4), kStart));
}

TEST(DestinationScheduler, RefusesMoreThanTheWaitingLimitPerDestination) {
  DestinationScheduler scheduler(10, 1, 2);
  EXPECT_TRUE(scheduler.Add(To("http://a/", 1), kStart));
  scheduler.TakeStartable(kStart);  // 1 in flight
  EXPECT_TRUE(scheduler.Add(To("http://a/", 2), kStart));
  EXPECT_TRUE(scheduler.Add(To("http://a/", 3), kStart));
  EXPECT_FALSE(scheduler.Add(To("http://a/", 4), kStart));
  EXPECT_TRUE(scheduler.Add(To("http://b/", 5), kStart));  // other destinations are unaffected
}

TEST(DestinationScheduler, ResponsiveDestinationKeepsALongLineAndASlowOneGivesItBack) {
  DestinationScheduler scheduler(10, 1, /*waiting=*/2, /*waiting_while_responsive=*/5);
  EXPECT_TRUE(scheduler.Add(To("http://a/", 1), kStart));
  scheduler.TakeStartable(kStart);  // 1 in flight since kStart
  for (int64_t id = 2; id <= 6; ++id) EXPECT_TRUE(scheduler.Add(To("http://a/", id), kStart));
  EXPECT_FALSE(scheduler.Add(To("http://a/", 7), kStart));
  EXPECT_TRUE(scheduler.TakeExcessOfSlowDestinations(kStart + 1s).empty());  // still responsive

  // Its request has run for over a second: it keeps 2 waiting, the oldest claims.
  EXPECT_FALSE(scheduler.Add(To("http://a/", 7), kStart + 2s));
  EXPECT_EQ(Ids(scheduler.TakeExcessOfSlowDestinations(kStart + 2s)),
            (std::vector<int64_t>{6, 5, 4}));
  EXPECT_EQ(scheduler.waiting(), 2u);
  EXPECT_TRUE(scheduler.Add(To("http://b/", 8), kStart + 2s));  // others are unaffected
  EXPECT_TRUE(scheduler.TakeExcessOfSlowDestinations(kStart + 2s).empty());
}

TEST(DestinationScheduler, RoomCountsInFlightAndWaitingAgainstTwiceMaxInFlight) {
  DestinationScheduler scheduler(2, 1, 4);
  EXPECT_EQ(scheduler.Room(), 4u);
  scheduler.Add(To("http://a/", 1), kStart);
  scheduler.Add(To("http://a/", 2), kStart);
  scheduler.TakeStartable(kStart);
  EXPECT_EQ(scheduler.Room(), 2u);
}

TEST(DestinationScheduler, HandsBackDeliveriesThatWaitedTooLong) {
  DestinationScheduler scheduler(10, 1, 5);
  scheduler.Add(To("http://a/", 1), kStart);
  scheduler.TakeStartable(kStart);
  scheduler.Add(To("http://a/", 2), kStart);
  scheduler.Add(To("http://a/", 3), kStart + 10s);
  EXPECT_EQ(Ids(scheduler.TakeClaimedBefore(kStart + 5s)), (std::vector<int64_t>{2}));
  EXPECT_EQ(scheduler.waiting(), 1u);
  EXPECT_EQ(Ids(scheduler.TakeAllWaiting()), (std::vector<int64_t>{3}));
  scheduler.Finished(To("http://a/", 1));
  EXPECT_EQ(scheduler.in_flight(), 0u);
}

TEST(DestinationScheduler, BusyResponsiveDestinationIsTriedAgainSoon) {
  DestinationScheduler scheduler(10, 1, 1);
  scheduler.Add(To("http://a/", 1, 30), kStart);
  scheduler.TakeStartable(kStart);
  EXPECT_EQ(scheduler.RetryBusyDestinationAt("http://a", kStart + 100ms), kStart + 200ms);
  EXPECT_EQ(scheduler.RetryBusyDestinationAt("http://unknown", kStart), kStart + 100ms);
}

TEST(DestinationScheduler, HangingDestinationIsTriedAgainWhenItsFirstRequestTimesOut) {
  DestinationScheduler scheduler(10, 2, 2);
  scheduler.Add(To("http://a/", 1, 30), kStart);
  scheduler.Add(To("http://a/", 2, 20), kStart);
  scheduler.TakeStartable(kStart);
  EXPECT_EQ(scheduler.RetryBusyDestinationAt("http://a", kStart + 5s), kStart + 20s);
}

}  // namespace
}  // namespace runhook::delivery
