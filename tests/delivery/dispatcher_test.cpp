// The dispatcher against a real SQLite store and real HTTP receivers on ephemeral ports.
#include "delivery/dispatcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/clock.h"
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
using testing::WaitUntilSettled;
using Clock = std::chrono::steady_clock;

constexpr auto kSettleTimeout = 10s;

DispatcherOptions TestOptions() {
  DispatcherOptions options;
  options.idle_poll = 50ms;
  options.owner = "dispatcher-test";
  options.user_agent = "runhook-test/1.0";
  options.retry_schedule = ParseRetrySchedule("0,0.2s,0.5s").value();
  return options;
}

// Declared first so that it outlives the receivers and dispatchers of each test.
class DispatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = testing::OpenMemoryStore();
};

TEST_F(DispatcherTest, DeliversOn200WithExactMethodHeadersAndBody) {
  TestReceiver receiver([](const httplib::Request&, httplib::Response& response) {
    response.set_content("{\"thanks\": true}", "application/json");
  });
  auto draft = MakeDraft(receiver.Url("/hooks/finished"));
  draft.headers = {{"Content-Type", "application/json"}, {"X-Run", "abc123"}};
  draft.body = R"({"run_id": "abc123", "state": "finished"})";
  const int64_t id = AddDelivery(*store_, draft);
  const int64_t before_ms = core::NowUnixMillis();

  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDelivered);
  EXPECT_EQ(delivery.attempt_count, 1);
  EXPECT_EQ(delivery.last_error, "");
  ASSERT_EQ(receiver.Requests().size(), 1u);
  const auto request = receiver.Requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hooks/finished");
  EXPECT_EQ(request.body, draft.body);
  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  EXPECT_EQ(request.Header("X-Run"), "abc123");
  EXPECT_EQ(request.Header("User-Agent"), "runhook-test/1.0");
  EXPECT_EQ(request.Header("webhook-id"), draft.webhook_id);
  EXPECT_EQ(request.Header("Content-Length"), std::to_string(draft.body.size()));
  EXPECT_FALSE(request.HasHeader("Accept"));  // nothing libcurl would add on its own
  EXPECT_FALSE(request.HasHeader("Expect"));

  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].number, 1);
  EXPECT_EQ(attempts[0].status_code, 200);
  EXPECT_EQ(attempts[0].response_excerpt, "{\"thanks\": true}");
  EXPECT_EQ(attempts[0].error, "");
  EXPECT_GT(attempts[0].latency_ms, 0.0);
  EXPECT_GE(attempts[0].started_at_ms, before_ms);
  EXPECT_LE(attempts[0].started_at_ms, core::NowUnixMillis());
}

TEST_F(DispatcherTest, UserAgentSetByTheHookReplacesTheDefault) {
  TestReceiver receiver;
  auto draft = MakeDraft(receiver.Url("/"));
  draft.headers = {{"user-agent", "my-agent/2"}};
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  const auto request = receiver.Requests().at(0);
  EXPECT_EQ(request.headers.count("User-Agent"), 1u);
  EXPECT_EQ(request.Header("User-Agent"), "my-agent/2");
}

TEST_F(DispatcherTest, ServerErrorOnTheLastAttemptIsDeadWithStatusAndResponseExcerpt) {
  TestReceiver receiver([](const httplib::Request&, httplib::Response& response) {
    response.status = 500;
    response.set_content("database on fire", "text/plain");
  });
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/")));
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDead);  // its one attempt is spent
  EXPECT_EQ(delivery.last_error, "HTTP 500");
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status_code, 500);
  EXPECT_EQ(attempts[0].response_excerpt, "database on fire");
  EXPECT_EQ(attempts[0].error, "HTTP 500");
}

TEST_F(DispatcherTest, ConnectionRefusedEndsQuicklyWithTheNetworkError) {
  auto draft = MakeDraft("http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/");
  draft.timeout_seconds = 30;
  const int64_t id = AddDelivery(*store_, draft);
  const auto started = Clock::now();
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_LT(Clock::now() - started, 3s);
  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status_code, 0);
  EXPECT_NE(attempts[0].error.find("Connection refused"), std::string::npos) << attempts[0].error;
  EXPECT_EQ(delivery.last_error, attempts[0].error);
}

TEST_F(DispatcherTest, AttemptTimesOutAfterTheDeliveryTimeout) {
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    receiver.WaitUntilReleased();
    response.set_content("too late", "text/plain");
  });
  auto draft = MakeDraft(receiver.Url("/slow"));
  draft.timeout_seconds = 0.3;
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);
  receiver.Release();

  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_NE(attempts[0].error.find("timed out"), std::string::npos) << attempts[0].error;
  EXPECT_GE(attempts[0].latency_ms, 290.0);
  EXPECT_LT(attempts[0].latency_ms, 3000.0);
}

TEST_F(DispatcherTest, LongResponseIsReadToTheEndAndTruncatedTo4KiB) {
  std::string long_body;
  for (int i = 0; long_body.size() < 200'000; ++i) long_body += std::to_string(i) + ",";
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    response.set_content(long_body, "text/plain");
  });
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/")));
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDelivered);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].response_excerpt, long_body.substr(0, 4096));
}

TEST_F(DispatcherTest, LargeRequestBodyArrivesIntact) {
  TestReceiver receiver;
  auto draft = MakeDraft(receiver.Url("/upload"));
  draft.method = "PUT";
  draft.body.resize(8 * 1024 * 1024);
  for (size_t i = 0; i < draft.body.size(); ++i) draft.body[i] = static_cast<char>('a' + i % 26);
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();

  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  const auto request = receiver.Requests().at(0);
  EXPECT_EQ(request.method, "PUT");
  EXPECT_TRUE(request.body == draft.body) << "received " << request.body.size() << " bytes";
}

TEST_F(DispatcherTest, TwoHundredDeliveriesInFlightAllArrive) {
  TestReceiver receiver;
  std::vector<core::DeliveryDraft> drafts;
  for (int i = 0; i < 200; ++i) {
    drafts.push_back(MakeDraft(receiver.Url("/many")));
    drafts.back().body = "{\"n\": " + std::to_string(i) + "}";
  }
  const std::vector<int64_t> ids = AddDeliveries(*store_, drafts);
  DispatcherOptions options = TestOptions();
  options.max_in_flight = 32;
  Dispatcher dispatcher(*store_, options);
  dispatcher.Start();

  for (int64_t id : ids)
    ASSERT_EQ(WaitUntilSettled(*store_, id, 20s).state, DeliveryState::kDelivered) << id;
  std::set<std::string> webhook_ids, bodies;
  for (const auto& request : receiver.Requests()) {
    webhook_ids.insert(request.Header("webhook-id"));
    bodies.insert(request.body);
  }
  EXPECT_EQ(receiver.Requests().size(), 200u);
  EXPECT_EQ(webhook_ids.size(), 200u);
  EXPECT_EQ(bodies.size(), 200u);
}

TEST_F(DispatcherTest, KeepsUpToMaxInFlightRequestsOpenAtOnce) {
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    receiver.WaitUntilReleased();
    response.set_content("ok", "text/plain");
  });
  std::vector<core::DeliveryDraft> drafts;
  for (int i = 0; i < 6; ++i) drafts.push_back(MakeDraft(receiver.Url("/held")));
  const std::vector<int64_t> ids = AddDeliveries(*store_, drafts);
  DispatcherOptions options = TestOptions();
  options.max_in_flight = 4;
  Dispatcher dispatcher(*store_, options);
  dispatcher.Start();

  ASSERT_TRUE(receiver.WaitForRequests(4, 10s));
  EXPECT_EQ(receiver.Requests().size(), 4u);  // none answered, so no room for a fifth
  EXPECT_EQ(receiver.MaxConcurrent(), 4);
  receiver.Release();
  for (int64_t id : ids)
    EXPECT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  EXPECT_EQ(receiver.Requests().size(), 6u);
}

TEST_F(DispatcherTest, GetWithQueryStringSendsNoBody) {
  TestReceiver receiver;
  auto draft = MakeDraft(receiver.Url("/notify?run=abc123&note=two%20words"));
  draft.method = "GET";
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();

  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  const auto request = receiver.Requests().at(0);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/notify");
  EXPECT_EQ(request.target, "/notify?run=abc123&note=two%20words");
  EXPECT_EQ(request.params.find("note")->second, "two words");
  EXPECT_EQ(request.body, "");
  EXPECT_FALSE(request.HasHeader("Content-Length"));
  EXPECT_FALSE(request.HasHeader("Content-Type"));
}

TEST_F(DispatcherTest, DeleteWithoutBodyUsesTheStoredMethod) {
  TestReceiver receiver;
  auto draft = MakeDraft(receiver.Url("/runs/abc123"));
  draft.method = "DELETE";
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();

  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  EXPECT_EQ(receiver.Requests().at(0).method, "DELETE");
  EXPECT_EQ(receiver.Requests().at(0).body, "");
}

TEST_F(DispatcherTest, RedirectIsNotFollowed) {
  TestReceiver receiver([](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/moved") response.set_redirect("/elsewhere", 302);
  });
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/moved")));
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  EXPECT_EQ(delivery.last_error, "HTTP 302");
  ASSERT_EQ(receiver.Requests().size(), 1u);
  EXPECT_EQ(receiver.Requests()[0].path, "/moved");
}

TEST_F(DispatcherTest, NonHttpSchemeFailsWithoutBeingFetched) {
  const int64_t id = AddDelivery(*store_, MakeDraft("file:///etc/hostname"));
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_NE(delivery.last_error.find("file"), std::string::npos) << delivery.last_error;
  EXPECT_EQ(Attempts(*store_, id).at(0).response_excerpt, "");
}

TEST_F(DispatcherTest, HeaderWithLineBreakFailsWithoutBeingSent) {
  TestReceiver receiver;
  auto draft = MakeDraft(receiver.Url("/"));
  draft.headers = {{"X-Injected", "a\r\nX-Evil: 1"}};
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(delivery.last_error, "header 'X-Injected' contains a line break");
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST_F(DispatcherTest, FailedAttemptIsSentAgainWhileAttemptsRemain) {
  TestReceiver receiver(
      [](const httplib::Request&, httplib::Response& response) { response.status = 503; });
  auto draft = MakeDraft(receiver.Url("/flaky"));
  draft.max_attempts = 3;
  draft.body = "same bytes every time";
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();

  ASSERT_TRUE(receiver.WaitForRequests(3, kSettleTimeout));
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);
  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  EXPECT_EQ(delivery.attempt_count, 3);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(attempts[i].number, i + 1);
  for (const auto& request : receiver.Requests()) {
    EXPECT_EQ(request.Header("webhook-id"), draft.webhook_id);
    EXPECT_EQ(request.body, draft.body);
  }
}

TEST_F(DispatcherTest, NotifyWakesAnIdleDispatcher) {
  TestReceiver receiver;
  DispatcherOptions options = TestOptions();
  options.idle_poll = 60s;
  Dispatcher dispatcher(*store_, options);
  dispatcher.Start();
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/")));
  const auto notified_at = Clock::now();
  dispatcher.Notify();

  EXPECT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  EXPECT_LT(Clock::now() - notified_at, 5s);
}

TEST_F(DispatcherTest, NotifyWakesADispatcherWaitingOnSockets) {
  TestReceiver receiver([&](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/hang") receiver.WaitUntilReleased();
    response.set_content("ok", "text/plain");
  });
  DispatcherOptions options = TestOptions();
  options.idle_poll = 60s;
  const int64_t hanging = AddDelivery(*store_, MakeDraft(receiver.Url("/hang")));
  Dispatcher dispatcher(*store_, options);
  dispatcher.Start();
  ASSERT_TRUE(receiver.WaitForRequests(1, kSettleTimeout));

  const int64_t quick = AddDelivery(*store_, MakeDraft(receiver.Url("/quick")));
  const auto notified_at = Clock::now();
  dispatcher.Notify();
  EXPECT_EQ(WaitUntilSettled(*store_, quick, kSettleTimeout).state, DeliveryState::kDelivered);
  EXPECT_LT(Clock::now() - notified_at, 5s);
  EXPECT_EQ(store_->GetDelivery(hanging)->state, DeliveryState::kPending);
  receiver.Release();
  EXPECT_EQ(WaitUntilSettled(*store_, hanging, kSettleTimeout).state, DeliveryState::kDelivered);
}

TEST_F(DispatcherTest, ShutdownReturnsWithinItsTimeoutWhileAReceiverHangs) {
  TestReceiver receiver(
      [&](const httplib::Request&, httplib::Response& response) { receiver.WaitUntilReleased(); });
  auto draft = MakeDraft(receiver.Url("/hang"));
  draft.timeout_seconds = 60;
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  ASSERT_TRUE(receiver.WaitForRequests(1, kSettleTimeout));

  const auto started = Clock::now();
  EXPECT_FALSE(dispatcher.Shutdown(200ms));  // one request was aborted
  const auto took = Clock::now() - started;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
  const core::Delivery delivery = store_->GetDelivery(id).value();
  EXPECT_EQ(delivery.state, DeliveryState::kPending);  // its lease expires; sent again later
  EXPECT_EQ(delivery.attempt_count, 0);
  EXPECT_FALSE(dispatcher.Shutdown(1s));  // idempotent: the first answer again
}

TEST_F(DispatcherTest, ShutdownWaitsForRequestsThatFinishInTime) {
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    receiver.WaitUntilReleased();
    response.set_content("finally", "text/plain");
  });
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/")));
  Dispatcher dispatcher(*store_, TestOptions());
  dispatcher.Start();
  ASSERT_TRUE(receiver.WaitForRequests(1, kSettleTimeout));

  std::thread releaser([&] { receiver.Release(); });
  EXPECT_TRUE(dispatcher.Shutdown(10s));
  releaser.join();
  EXPECT_EQ(store_->GetDelivery(id)->state, DeliveryState::kDelivered);
}

TEST_F(DispatcherTest, ShutdownWithoutStartAndDestructionAreSafe) {
  {
    Dispatcher never_started(*store_, TestOptions());
    EXPECT_TRUE(never_started.Shutdown(0ms));
    never_started.Start();  // after Shutdown: does nothing
  }
  {
    Dispatcher destroyed_while_idle(*store_, TestOptions());
    destroyed_while_idle.Start();
    destroyed_while_idle.Notify();
  }
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/")));
  EXPECT_EQ(store_->GetDelivery(id)->state, DeliveryState::kPending);
}

}  // namespace
}  // namespace runhook::delivery
