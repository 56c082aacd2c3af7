// The dispatcher signs each attempt with the hook's secrets (its own whsec_ value, or a stored
// secret by name), read at send time; receivers verify with our verifier and with an
// independent one in Python.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <string>

#include "core/clock.h"
#include "delivery/dispatcher.h"
#include "delivery/retry_schedule.h"
#include "delivery/signature.h"
#include "store_helpers.h"
#include "test_receiver.h"

namespace runhook::delivery {
namespace {

using namespace std::chrono_literals;
using core::DeliveryState;
using testing::AddDelivery;
using testing::Attempts;
using testing::MakeDraft;
using testing::ReceivedRequest;
using testing::TestReceiver;
using testing::WaitUntilSettled;

constexpr auto kSettleTimeout = 10s;
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kNextSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

DispatcherOptions SigningOptions() {
  DispatcherOptions options;
  options.idle_poll = 50ms;
  options.owner = "signing-test";
  options.retry_schedule = ParseRetrySchedule("0,0.2s,0.5s").value();
  return options;
}

core::DeliveryDraft JsonDraft(const std::string& url) {
  core::DeliveryDraft draft = MakeDraft(url);
  draft.max_attempts = 0;
  draft.headers = {{"Content-Type", "application/json"}};
  draft.body = R"({"run_id": "abc123", "state": "finished", "note": "caf)"
               "\xC3\xA9"
               R"("})";
  return draft;
}

SignatureCheck Verify(const ReceivedRequest& request, const std::vector<std::string>& secrets) {
  return VerifySignature(secrets, request.Header("webhook-id"), request.Header("webhook-timestamp"),
                         request.Header("webhook-signature"), request.body,
                         core::NowUnixMillis() / 1000);
}

// What the Python verifier (Python's hmac, hashlib and base64) says about `request`.
std::string VerifyInPython(const ReceivedRequest& request, const std::string& secret) {
  char body_path[] = "/tmp/runhook-signed-body-XXXXXX";
  const int fd = mkstemp(body_path);
  EXPECT_GE(fd, 0);
  FILE* file = fdopen(fd, "wb");
  std::fwrite(request.body.data(), 1, request.body.size(), file);
  std::fclose(file);
  const std::string command = std::string(RUNHOOK_PYTHON) + " " + RUNHOOK_PYTHON_VERIFIER + " '" +
                              secret + "' '" + request.Header("webhook-id") + "' '" +
                              request.Header("webhook-timestamp") + "' '" +
                              request.Header("webhook-signature") + "' < " + body_path;
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 256> buffer{};
  while (pipe != nullptr && std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    output += buffer.data();
  if (pipe != nullptr) pclose(pipe);
  std::remove(body_path);
  return output;
}

class DispatcherSigningTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = testing::OpenMemoryStore();
};

TEST_F(DispatcherSigningTest, EveryAttemptIsSignedWithAFreshTimestampAndTheSameId) {
  std::atomic<int> answered{0};
  TestReceiver receiver([&](const httplib::Request&, httplib::Response& response) {
    response.status = ++answered == 1 ? 500 : 200;
  });
  const auto draft = JsonDraft(receiver.Url("/signed"));
  const int64_t id = AddDelivery(*store_, draft, kSecret);
  Dispatcher dispatcher(*store_, SigningOptions());
  dispatcher.Start();
  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);

  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u);
  const int64_t now_seconds = core::NowUnixMillis() / 1000;
  for (const auto& request : requests) {
    EXPECT_EQ(request.Header("webhook-id"), draft.webhook_id);
    const int64_t timestamp = std::stoll(request.Header("webhook-timestamp"));
    EXPECT_LE(std::abs(now_seconds - timestamp), 10);
    EXPECT_EQ(request.Header("webhook-signature").rfind("v1,", 0), 0u);
    const SignatureCheck check = Verify(request, {kSecret});
    EXPECT_TRUE(check.valid) << check.reason;
    EXPECT_EQ(VerifyInPython(request, kSecret), "valid\n");
  }
  // The secret itself never travels, nor is it kept with the delivery.
  const Json stored = core::DeliveryToJson(store_->GetDelivery(id).value(), Attempts(*store_, id));
  EXPECT_EQ(stored.dump().find("MfKQ9r8"), std::string::npos);
  for (const auto& request : requests)
    for (const auto& [name, value] : request.headers)
      EXPECT_EQ(value.find("MfKQ9r8"), std::string::npos) << name;
}

TEST_F(DispatcherSigningTest, RotationSignsWithBothSecretsOfAStoredSecret) {
  ASSERT_TRUE(store_->PutSecret("team-key", std::string(kSecret) + " " + kNextSecret).ok());
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, JsonDraft(receiver.Url("/rotating")), "team-key");
  Dispatcher dispatcher(*store_, SigningOptions());
  dispatcher.Start();
  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);

  const auto request = receiver.Requests().at(0);
  const std::string header = request.Header("webhook-signature");
  EXPECT_EQ(std::count(header.begin(), header.end(), ' '), 1) << header;
  // A receiver that knows only the old secret, or only the new one, accepts it.
  EXPECT_TRUE(Verify(request, {kSecret}).valid);
  EXPECT_TRUE(Verify(request, {kNextSecret}).valid);
  EXPECT_EQ(VerifyInPython(request, kSecret), "valid\n");
  EXPECT_EQ(VerifyInPython(request, kNextSecret), "valid\n");
}

TEST_F(DispatcherSigningTest, UnknownSecretNameIsNotSentAndIsRetried) {
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, JsonDraft(receiver.Url("/never")), "missing-key");
  Dispatcher dispatcher(*store_, SigningOptions());
  dispatcher.Start();
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDead);
  EXPECT_EQ(delivery.attempt_count, 3);
  EXPECT_EQ(delivery.last_error, "not sent: signing failed: hook 'notify' of run " +
                                     delivery.run.entity + "/" + delivery.run.project + "/" +
                                     delivery.run.id +
                                     " signs with secret 'missing-key', which is not stored");
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST_F(DispatcherSigningTest, SecretStoredBetweenAttemptsSignsTheRetry) {
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, JsonDraft(receiver.Url("/later")), "late-key");
  Dispatcher dispatcher(*store_, SigningOptions());
  dispatcher.Start();
  testing::WaitForDelivery(
      *store_, id, [](const core::Delivery& delivery) { return delivery.attempt_count >= 1; },
      kSettleTimeout);
  ASSERT_TRUE(store_->PutSecret("late-key", kSecret).ok());
  const core::Delivery delivery = WaitUntilSettled(*store_, id, kSettleTimeout);

  EXPECT_EQ(delivery.state, DeliveryState::kDelivered);
  ASSERT_EQ(receiver.Requests().size(), 1u);
  EXPECT_TRUE(Verify(receiver.Requests()[0], {kSecret}).valid);
}

TEST_F(DispatcherSigningTest, HookWithoutSecretIsSentUnsigned) {
  TestReceiver receiver;
  const int64_t id = AddDelivery(*store_, JsonDraft(receiver.Url("/plain")));
  Dispatcher dispatcher(*store_, SigningOptions());
  dispatcher.Start();
  ASSERT_EQ(WaitUntilSettled(*store_, id, kSettleTimeout).state, DeliveryState::kDelivered);
  const auto request = receiver.Requests().at(0);
  EXPECT_TRUE(request.HasHeader("webhook-id"));
  EXPECT_FALSE(request.HasHeader("webhook-signature"));
  EXPECT_FALSE(request.HasHeader("webhook-timestamp"));
}

}  // namespace
}  // namespace runhook::delivery
