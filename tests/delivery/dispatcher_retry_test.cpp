// The dispatcher's retries against a real SQLite store and real receivers: the schedule, the
// 60 s floor, Retry-After, 410 Gone, redirects, dead deliveries, restarts, and destinations that
// hang without delaying the others.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>

#include "core/clock.h"
#include "delivery/dispatcher.h"
#include "delivery/retry_schedule.h"
#include "store_helpers.h"
#include "test_receiver.h"

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using core::DeliveryState;
using testing::AddDeliveries;
using testing::AddDelivery;
using testing::Attempts;
using testing::MakeDraft;
using testing::TestReceiver;
using testing::WaitForDelivery;
using testing::WaitUntilSettled;
using Clock = std::chrono::steady_clock;

constexpr auto kSettleTimeout = 10s;

// A fast schedule (3 attempts: now, 0.2 s, 0.5 s) with the jitter factor fixed at 1.
DispatcherOptions RetryOptions(const std::string& schedule = "0,0.2s,0.5s") {
  DispatcherOptions options;
  options.idle_poll = 50ms;
  options.owner = "retry-test";
  options.retry_schedule = ParseRetrySchedule(schedule).value();
  options.jitter_source = [] { return 0.5; };
  return options;
}

// A draft whose attempt count comes from the schedule.
core::DeliveryDraft ScheduledDraft(const std::string& url) {
  core::DeliveryDraft draft = MakeDraft(url);
  draft.max_attempts = 0;
  return draft;
}

bool AttemptedOnce(const core::Delivery& delivery) { return delivery.attempt_count >= 1; }

class DispatcherRetryTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = testing::OpenMemoryStore();
};

TEST_F(DispatcherRetryTest, RetriesAfterServerErrorUntilItSucceeds) {
  std::atomic<int> answered{0};
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    if (++answered <= 2) {
      response.status = 500;
      response.set_content("not yet", "text/plain");
    } else {
      response.set_content("thanks", "text/plain");
    }
  });
  const int64_t id = AddDelivery(*store_, ScheduledDraft(receiver.Url("/flaky")));
  Dispatcher dispatcher(*store_, RetryOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDelivered);
  EXPECT_EQ(delivery.attempt_count, 3);
  EXPECT_EQ(delivery.last_error, "");
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 3u);
  const int expected_status[] = {500, 500, 200};
  const char* expected_error[] = {"HTTP 500", "HTTP 500", ""};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i].number, i + 1);
    EXPECT_EQ(attempts[i].status_code, expected_status[i]);
    EXPECT_EQ(attempts[i].error, expected_error[i]);
    EXPECT_GT(attempts[i].latency_ms, 0.0);
  }
  EXPECT_EQ(attempts[0].response_excerpt, "not yet");
  EXPECT_EQ(attempts[2].response_excerpt, "thanks");
  // The waits of the schedule: 0.2 s after the first attempt, 0.5 s after the second.
  EXPECT_GE(attempts[1].started_at_ms - attempts[0].started_at_ms, 200);
  EXPECT_GE(attempts[2].started_at_ms - attempts[1].started_at_ms, 500);
  for (const auto& request : receiver.Requests())
    EXPECT_EQ(request.Header("webhook-id"), delivery.request.webhook_id);
}

TEST_F(DispatcherRetryTest, TimeoutIsRetriedNoSoonerThanSixtySeconds) {
  TestReceiver receiver(
      [&](const httplib::Request&, httplib::Response& response) { receiver.WaitUntilReleased(); });
  auto draft = ScheduledDraft(receiver.Url("/slow"));
  draft.timeout_seconds = 0.3;
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, RetryOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitForDelivery(*store_, id, AttemptedOnce, kSettleTimeout);
  const int64_t checked_at = core::NowUnixMillis();
  receiver.Release();

  EXPECT_EQ(delivery.state, DeliveryState::kPending);
  EXPECT_NE(delivery.last_error.find("timed out"), std::string::npos) << delivery.last_error;
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  // The schedule says 0.2 s; a timeout waits at least 60 s from when it was judged.
  const int64_t judged_after = attempts[0].started_at_ms + 290;
  EXPECT_GE(delivery.next_attempt_at_ms, judged_after + 60'000);
  EXPECT_LE(delivery.next_attempt_at_ms, checked_at + 60'000);
}

TEST_F(DispatcherRetryTest, ConnectionRefusedIsRetriedUntilTheDeliveryIsDead) {
  auto draft =
      ScheduledDraft("http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/gone");
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, RetryOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  EXPECT_EQ(delivery.attempt_count, 3);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 3u);
  for (const auto& attempt : attempts) {
    EXPECT_EQ(attempt.status_code, 0);
    EXPECT_NE(attempt.error.find("Connection refused"), std::string::npos) << attempt.error;
  }
  EXPECT_EQ(delivery.last_error, attempts[2].error);
}

TEST_F(DispatcherRetryTest, TooManyRequestsWithRetryAfterWaitsTheClampedTime) {
  TestReceiver receiver([](const httplib::Request& request, httplib::Response& response) {
    response.status = 429;
    response.set_header("Retry-After", request.path == "/within" ? "150" : "100000");
  });
  auto within = ScheduledDraft(receiver.Url("/within"));
  auto beyond = ScheduledDraft(receiver.Url("/beyond"));
  const auto ids = AddDeliveries(*store_, {within, beyond});
  Dispatcher dispatcher(*store_, RetryOptions("0,100s,200s"));
  dispatcher.Start();
  const core::Delivery first = WaitForDelivery(*store_, ids[0], AttemptedOnce, kSettleTimeout);
  const core::Delivery second = WaitForDelivery(*store_, ids[1], AttemptedOnce, kSettleTimeout);
  const int64_t checked_at = core::NowUnixMillis();

  ASSERT_EQ(first.state, DeliveryState::kPending);
  ASSERT_EQ(second.state, DeliveryState::kPending);
  EXPECT_EQ(first.last_error, "HTTP 429");
  // Asked for 150 s, within [100 s, 200 s]: honoured.
  const int64_t first_started = Attempts(*store_, ids[0]).at(0).started_at_ms;
  EXPECT_GE(first.next_attempt_at_ms, first_started + 150'000);
  EXPECT_LE(first.next_attempt_at_ms, checked_at + 150'000);
  // Asked for 100000 s: clamped to twice the scheduled 100 s.
  const int64_t second_started = Attempts(*store_, ids[1]).at(0).started_at_ms;
  EXPECT_GE(second.next_attempt_at_ms, second_started + 200'000);
  EXPECT_LE(second.next_attempt_at_ms, checked_at + 200'000);
}

TEST_F(DispatcherRetryTest, GoneDisablesTheHookAndFailsTheDelivery) {
  TestReceiver receiver([](const httplib::Request&, httplib::Response& response) {
    response.status = 410;
    response.set_content("unsubscribed", "text/plain");
  });
  const int64_t id = AddDelivery(*store_, ScheduledDraft(receiver.Url("/old")));
  Dispatcher dispatcher(*store_, RetryOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(delivery.attempt_count, 1);
  EXPECT_EQ(delivery.last_error,
            "HTTP 410 Gone: the receiver wants no more deliveries; hook 'notify' is now disabled "
            "for further events");
  EXPECT_EQ(Attempts(*store_, id).at(0).error, "HTTP 410");
  auto hooks = store_->GetHooks(delivery.run);
  ASSERT_TRUE(hooks.ok());
  ASSERT_EQ(hooks->size(), 1u);
  EXPECT_TRUE(hooks->at(0).disabled);
  EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST_F(DispatcherRetryTest, MovedPermanentlyIsAFailureAndLocationIsNotFollowed) {
  TestReceiver receiver([](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/moved") response.set_redirect("/elsewhere", 301);
  });
  const int64_t id = AddDelivery(*store_, ScheduledDraft(receiver.Url("/moved")));
  Dispatcher dispatcher(*store_, RetryOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  EXPECT_EQ(delivery.last_error, "HTTP 301");
  EXPECT_EQ(Attempts(*store_, id).size(), 3u);
  ASSERT_EQ(receiver.Requests().size(), 3u);
  for (const auto& request : receiver.Requests()) EXPECT_EQ(request.path, "/moved");
}

TEST_F(DispatcherRetryTest, HookMaxAttemptsOverridesTheScheduleCount) {
  TestReceiver receiver(
      [](const httplib::Request&, httplib::Response& response) { response.status = 502; });
  auto draft = ScheduledDraft(receiver.Url("/"));
  draft.max_attempts = 2;
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, RetryOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  EXPECT_EQ(delivery.attempt_count, 2);
  EXPECT_EQ(receiver.Requests().size(), 2u);
}

TEST_F(DispatcherRetryTest, RetryScheduledBeforeARestartIsMadeByTheNextDispatcher) {
  std::atomic<int> answered{0};
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    response.status = ++answered == 1 ? 503 : 200;
  });
  const int64_t id = AddDelivery(*store_, ScheduledDraft(receiver.Url("/")));
  {
    Dispatcher first(*store_, RetryOptions("0,1s,1s"));
    first.Start();
    WaitForDelivery(*store_, id, AttemptedOnce, kSettleTimeout);
    EXPECT_TRUE(first.Shutdown(1s));
  }
  const core::Delivery waiting = store_->GetDelivery(id).value();
  ASSERT_EQ(waiting.state, DeliveryState::kPending);
  EXPECT_GT(waiting.next_attempt_at_ms, core::NowUnixMillis());  // the retry is in the store

  Dispatcher second(*store_, RetryOptions("0,1s,1s"));
  second.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);
  EXPECT_EQ(delivery.state, DeliveryState::kDelivered);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_GE(attempts[1].started_at_ms, waiting.next_attempt_at_ms);
}

TEST_F(DispatcherRetryTest, HangingHostDoesNotDelayDeliveriesToAnotherHost) {
  TestReceiver hanging(
      [&](const httplib::Request&, httplib::Response& response) { hanging.WaitUntilReleased(); });
  TestReceiver healthy;
  std::vector<core::DeliveryDraft> stuck;
  for (int i = 0; i < 40; ++i) {
    stuck.push_back(ScheduledDraft(hanging.Url("/hang")));
    stuck.back().timeout_seconds = 60;
  }
  AddDeliveries(*store_, stuck);  // older: claimed first
  std::vector<core::DeliveryDraft> quick;
  for (int i = 0; i < 100; ++i) quick.push_back(ScheduledDraft(healthy.Url("/quick")));
  const std::vector<int64_t> quick_ids = AddDeliveries(*store_, quick);

  DispatcherOptions options = RetryOptions();
  options.max_in_flight = 16;
  options.max_per_host = 4;
  Dispatcher dispatcher(*store_, options);
  const auto started = Clock::now();
  dispatcher.Start();
  for (int64_t id : quick_ids)
    ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  const auto took = Clock::now() - started;

  EXPECT_LT(took, 5s);
  EXPECT_EQ(healthy.Requests().size(), 100u);
  EXPECT_LE(healthy.MaxConcurrent(), 4);
  EXPECT_EQ(hanging.Requests().size(), 4u);  // its cap, never more while they hang
  hanging.Release();
  EXPECT_TRUE(dispatcher.Shutdown(5s));
}

TEST_F(DispatcherRetryTest, ConnectionsToOneHostAreReused) {
  std::mutex mutex;
  std::set<std::string> client_ports;
  TestReceiver receiver([&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex);
    client_ports.insert(request.get_header_value("REMOTE_PORT"));
    response.set_content("ok", "text/plain");
  });
  std::vector<core::DeliveryDraft> drafts;
  for (int i = 0; i < 40; ++i) drafts.push_back(ScheduledDraft(receiver.Url("/reuse")));
  const auto ids = AddDeliveries(*store_, drafts);
  DispatcherOptions options = RetryOptions();
  options.max_per_host = 2;
  Dispatcher dispatcher(*store_, options);
  dispatcher.Start();
  for (int64_t id : ids)
    ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  std::lock_guard lock(mutex);
  EXPECT_LE(client_ports.size(), 4u)
      << "40 requests over " << client_ports.size() << " connections";
}

}  // namespace
}  // namespace runhook::delivery
