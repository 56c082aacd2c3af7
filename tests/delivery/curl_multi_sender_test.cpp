// CurlMultiSender on its own against a real HTTP receiver: how its Poll waits (for sockets, for
// libcurl's timers, for Wakeup) and that many requests in flight at once all complete.
#include "delivery/curl_multi_sender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "test_receiver.h"

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using testing::TestReceiver;
using Clock = std::chrono::steady_clock;

HttpRequest Post(const std::string& url, std::chrono::milliseconds timeout = 10s) {
  return HttpRequest{.method = "POST",
                     .url = url,
                     .headers = {{"Content-Type", "application/json"}},
                     .body = R"({"event": "test"})",
                     .timeout = timeout};
}

// Polls until `count` completions arrived or `deadline` passed; returns them by tag.
std::map<uint64_t, HttpResult> PollUntil(HttpSender& sender, size_t count,
                                         Clock::time_point deadline) {
  std::map<uint64_t, HttpResult> results;
  while (results.size() < count && Clock::now() < deadline) {
    for (Completion& completion : sender.Poll(100ms))
      results.emplace(completion.tag, std::move(completion.result));
  }
  return results;
}

TEST(CurlMultiSender, ManyRequestsAllCompleteWithTheReceiversStatus) {
  TestReceiver receiver([](const httplib::Request&, httplib::Response& response) {
    response.status = 202;
    response.set_content("accepted", "text/plain");
  });
  auto sender = MakeCurlMultiSender();
  constexpr uint64_t kRequests = 300;
  // At most 16 in flight at once, as the dispatcher keeps a few per host.
  std::map<uint64_t, HttpResult> results;
  uint64_t started = 0;
  const Clock::time_point deadline = Clock::now() + 30s;
  while (results.size() < kRequests && Clock::now() < deadline) {
    while (started < kRequests && sender->InFlight() < 16)
      sender->Start(started++, Post(receiver.Url("/hook")));
    for (Completion& completion : sender->Poll(100ms))
      results.emplace(completion.tag, std::move(completion.result));
  }
  ASSERT_EQ(results.size(), kRequests);
  for (const auto& [tag, result] : results) {
    EXPECT_EQ(result.status_code, 202) << "request " << tag << ": " << result.transport_error;
    EXPECT_EQ(result.response_prefix, "accepted");
  }
  EXPECT_EQ(receiver.Requests().size(), kRequests);
  EXPECT_EQ(sender->InFlight(), 0u);
}

TEST(CurlMultiSender, WakeupEndsAPollThatWaitsOnASilentReceiver) {
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    receiver.WaitUntilReleased();
    response.status = 200;
  });
  auto sender = MakeCurlMultiSender();
  sender->Start(1, Post(receiver.Url("/slow"), 120s));
  // Drive the request out until the receiver holds it.
  const Clock::time_point deadline = Clock::now() + 10s;
  while (receiver.Requests().empty() && Clock::now() < deadline)
    ASSERT_TRUE(sender->Poll(50ms).empty());
  ASSERT_EQ(receiver.Requests().size(), 1u);

  std::thread waker([&] {
    std::this_thread::sleep_for(200ms);  // the Poll below is (almost certainly) waiting by then
    sender->Wakeup();
  });
  const Clock::time_point before = Clock::now();
  std::vector<Completion> completions = sender->Poll(20s);
  const auto waited = Clock::now() - before;
  waker.join();
  EXPECT_TRUE(completions.empty());
  EXPECT_LT(waited, 5s) << "Wakeup did not end the Poll";

  receiver.Release();
  auto results = PollUntil(*sender, 1, Clock::now() + 10s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[1].status_code, 200) << results[1].transport_error;
}

TEST(CurlMultiSender, ATimeoutEndsTheRequestWithoutNetworkActivity) {
  TestReceiver receiver(
      [&](const httplib::Request&, httplib::Response& response) { receiver.WaitUntilReleased(); });
  auto sender = MakeCurlMultiSender();
  const Clock::time_point before = Clock::now();
  sender->Start(7, Post(receiver.Url("/hang"), 300ms));
  // One long Poll after another: only libcurl's timer can end the transfer.
  std::map<uint64_t, HttpResult> results;
  while (results.empty() && Clock::now() - before < 20s) {
    for (Completion& completion : sender->Poll(20s))
      results.emplace(completion.tag, std::move(completion.result));
  }
  const auto took = Clock::now() - before;
  receiver.Release();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[7].timed_out) << results[7].transport_error;
  EXPECT_EQ(results[7].status_code, 0);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 10s) << "the timeout was not noticed until a Poll's wait ran out";
}

TEST(CurlMultiSender, ARefusedConnectionCompletesWithTheOperatingSystemsReason) {
  auto sender = MakeCurlMultiSender();
  sender->Start(3, Post("http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/x"));
  auto results = PollUntil(*sender, 1, Clock::now() + 10s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[3].status_code, 0);
  EXPECT_NE(results[3].transport_error.find("Connection refused"), std::string::npos)
      << results[3].transport_error;
  EXPECT_FALSE(results[3].unsendable);
}

TEST(CurlMultiSender, AbortAllDropsTransfersInFlightAndTheSenderStaysUsable) {
  TestReceiver receiver([&](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/hang") receiver.WaitUntilReleased();
    response.status = 200;
  });
  auto sender = MakeCurlMultiSender();
  sender->Start(1, Post(receiver.Url("/hang")));
  sender->Start(2, Post(receiver.Url("/hang")));
  const Clock::time_point deadline = Clock::now() + 10s;
  while (receiver.Requests().size() < 2 && Clock::now() < deadline) sender->Poll(50ms);
  std::vector<uint64_t> aborted = sender->AbortAll();
  std::sort(aborted.begin(), aborted.end());
  EXPECT_EQ(aborted, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(sender->InFlight(), 0u);
  receiver.Release();

  sender->Start(9, Post(receiver.Url("/fine")));
  auto results = PollUntil(*sender, 1, Clock::now() + 10s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[9].status_code, 200) << results[9].transport_error;
}

}  // namespace
}  // namespace runhook::delivery
