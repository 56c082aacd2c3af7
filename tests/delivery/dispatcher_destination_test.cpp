// The destination policy enforced by the dispatcher's libcurl sender: refused destinations fail
// permanently with the reason and reach nobody, --allow-net lets them through, and a proxy from
// the environment cannot carry a request past the check.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "delivery/dispatcher.h"
#include "delivery/retry_schedule.h"
#include "store_helpers.h"
#include "support/scoped_environment.h"
#include "test_receiver.h"

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using core::DeliveryState;
using testing::AddDelivery;
using testing::Attempts;
using testing::MakeDraft;
using testing::TestReceiver;
using testing::WaitUntilSettled;

constexpr auto kSettleTimeout = 10s;

// A server that is not loopback-only, allowing `allowed` networks.
DispatcherOptions EnforcingOptions(const std::vector<std::string>& allowed = {}) {
  DispatcherOptions options;
  options.idle_poll = 50ms;
  options.owner = "destination-test";
  options.retry_schedule = ParseRetrySchedule("0,0.2s,0.5s").value();
  options.destination_policy.loopback_only = false;
  for (const std::string& text : allowed)
    options.destination_policy.allowed_networks.push_back(ParseIpNetwork(text).value());
  return options;
}

using test_support::ScopedEnvironment;

class DispatcherDestinationTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = testing::OpenMemoryStore();
};

TEST_F(DispatcherDestinationTest, RefusedDestinationFailsPermanentlyWithTheReason) {
  TestReceiver receiver;
  auto draft = MakeDraft(receiver.Url("/hook"));
  draft.max_attempts = 3;  // a retryable failure would be pending again, not failed
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, EnforcingOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(delivery.attempt_count, 1);
  const std::string reason =
      "not sent: destination 127.0.0.1 is loopback (127.0.0.0/8); allow it with --allow-net";
  EXPECT_EQ(delivery.last_error, reason);
  const auto attempts = Attempts(*store_, id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error, reason);
  EXPECT_EQ(attempts[0].status_code, 0);
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST_F(DispatcherDestinationTest, NameResolvingOnlyToRefusedAddressesNamesThemAll) {
  TestReceiver receiver;
  auto draft = MakeDraft("http://localhost:" + std::to_string(receiver.port()) + "/hook");
  draft.max_attempts = 3;
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, EnforcingOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(delivery.attempt_count, 1);
  EXPECT_NE(delivery.last_error.find("destination 127.0.0.1 is loopback (127.0.0.0/8)"),
            std::string::npos)
      << delivery.last_error;
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST_F(DispatcherDestinationTest, AllowNetLetsTheDestinationThrough) {
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/hook")));
  Dispatcher dispatcher(*store_, EnforcingOptions({"127.0.0.0/8"}));
  dispatcher.Start();

  EXPECT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST_F(DispatcherDestinationTest, LoopbackOnlyDispatcherSendsToLoopback) {
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, MakeDraft(receiver.Url("/hook")));
  DispatcherOptions options = EnforcingOptions();
  options.destination_policy.loopback_only = true;
  Dispatcher dispatcher(*store_, options);
  dispatcher.Start();

  EXPECT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
}

// The proxy is on an allowed address; the destination is not. Were the proxy used, the check
// would only see the proxy and the request would reach it.
TEST_F(DispatcherDestinationTest, ProxyFromTheEnvironmentCannotBypassTheCheck) {
  TestReceiver proxy;
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  ScopedEnvironment http_proxy("http_proxy", proxy_url.c_str());
  ScopedEnvironment all_proxy("ALL_PROXY", proxy_url.c_str());
  ScopedEnvironment no_proxy("no_proxy", nullptr);
  ScopedEnvironment no_proxy_upper("NO_PROXY", nullptr);
  auto draft = MakeDraft("http://192.0.2.10/hook");
  draft.timeout_seconds = 2;
  const int64_t id = AddDelivery(*store_, draft);
  Dispatcher dispatcher(*store_, EnforcingOptions({"127.0.0.0/8"}));
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(delivery.last_error,
            "not sent: destination 192.0.2.10 is reserved for documentation (192.0.2.0/24); "
            "allow it with --allow-net");
  EXPECT_TRUE(proxy.Requests().empty());
}

}  // namespace
}  // namespace runhook::delivery
