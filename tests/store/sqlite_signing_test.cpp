// What retries and signing need from the store: named secrets, the secrets a hook signs with
// (read when a batch is claimed, never kept with a delivery), hooks disabled after a 410, and
// claimed deliveries handed back unattempted.
#include <gtest/gtest.h>

#include <map>

#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

constexpr int64_t kLeaseMs = 60'000;
constexpr const char* kSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSecretB = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

class SigningStoreTest : public StoreTest {
 protected:
  // Creates run `id` whose one hook "notify" has `secret`.
  void CreateRunWithSecret(const std::string& id, const std::string& secret) {
    HookSpec hook = SampleHook("notify");
    hook.secret = secret;
    EventWrite event = SampleEvent("created", 1000, {"notify"});
    ASSERT_TRUE(store_->CreateRun(SampleRun(id), {hook}, &event));
  }

  // The secrets of the one delivery of run `id` (its "created" event's).
  Result<std::vector<std::string>> Secrets(const std::string& id) {
    auto deliveries = store_->ListDeliveries({.run = SampleKey(id)});
    if (!deliveries) return deliveries.error();
    if (deliveries->size() != 1)
      return MakeError(
          ErrorCode::kInternal,
          "run " + id + " has " + std::to_string(deliveries->size()) + " deliveries, not 1");
    return store_->GetSigningSecretsOfDeliveries({deliveries->front().id}).front();
  }
};

TEST_P(SigningStoreTest, HookWithItsOwnSecretSignsWithIt) {
  CreateRunWithSecret("own", kSecretA);
  auto secrets = Secrets("own");
  ASSERT_TRUE(secrets) << Describe(secrets);
  EXPECT_EQ(*secrets, std::vector<std::string>{kSecretA});
}

TEST_P(SigningStoreTest, HookWithoutSecretSignsWithNothing) {
  CreateRunWithSecret("none", "");
  auto secrets = Secrets("none");
  ASSERT_TRUE(secrets) << Describe(secrets);
  EXPECT_TRUE(secrets->empty());
}

TEST_P(SigningStoreTest, HookNamingAStoredSecretSignsWithItsValues) {
  ASSERT_TRUE(store_->PutSecret("team-key", std::string(kSecretA) + " " + kSecretB));
  CreateRunWithSecret("named", "team-key");
  auto secrets = Secrets("named");
  ASSERT_TRUE(secrets) << Describe(secrets);
  EXPECT_EQ(*secrets, (std::vector<std::string>{kSecretA, kSecretB}));
}

TEST_P(SigningStoreTest, ReplacedSecretIsReadAtTheNextLookup) {
  ASSERT_TRUE(store_->PutSecret("team-key", kSecretA));
  CreateRunWithSecret("rotated", "team-key other-key");
  ASSERT_TRUE(store_->PutSecret("other-key", kSecretB));
  EXPECT_EQ(Secrets("rotated").value(), (std::vector<std::string>{kSecretA, kSecretB}));
  ASSERT_TRUE(store_->PutSecret("team-key", kSecretB));
  EXPECT_EQ(Secrets("rotated").value(), (std::vector<std::string>{kSecretB, kSecretB}));
}

TEST_P(SigningStoreTest, MissingSecretNameIsNotFoundWithTheName) {
  CreateRunWithSecret("missing", "nobody-stored-this");
  auto secrets = Secrets("missing");
  ASSERT_FALSE(secrets);
  EXPECT_EQ(secrets.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      secrets.error().message,
      "hook 'notify' of run alice/webhook-demo/missing signs with secret 'nobody-stored-this', "
      "which is not stored");
}

TEST_P(SigningStoreTest, SecretsOfClaimedDeliveriesComeInTheirOrderWithPerDeliveryErrors) {
  ASSERT_TRUE(store_->PutSecret("team-key", kSecretB));
  CreateRunWithSecret("own", kSecretA);
  CreateRunWithSecret("named", "team-key");
  CreateRunWithSecret("missing", "nobody-stored-this");
  CreateRunWithSecret("none", "");
  auto claimed = store_->ClaimDueDeliveries(1000, 10, kLeaseMs, "d1");
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 4u);
  std::map<std::string, int64_t> delivery_of_run;
  for (const Delivery& delivery : *claimed) delivery_of_run[delivery.run.id] = delivery.id;
  // Asked in an order of our own, with an unknown id in the middle.
  const std::vector<int64_t> ids = {delivery_of_run["none"], delivery_of_run["missing"], 999'999,
                                    delivery_of_run["named"], delivery_of_run["own"]};
  auto secrets = store_->GetSigningSecretsOfDeliveries(ids);
  ASSERT_EQ(secrets.size(), ids.size());
  ASSERT_TRUE(secrets[0]) << Describe(secrets[0]);
  EXPECT_TRUE(secrets[0]->empty());
  ASSERT_FALSE(secrets[1]);
  EXPECT_EQ(secrets[1].error().message,
            "hook 'notify' of run alice/webhook-demo/missing signs with secret "
            "'nobody-stored-this', which is not stored");
  ASSERT_FALSE(secrets[2]);
  EXPECT_EQ(secrets[2].error().code, ErrorCode::kNotFound);
  EXPECT_EQ(secrets[2].error().message, "delivery 999999 not found");
  EXPECT_EQ(secrets[3].value(), std::vector<std::string>{kSecretB});
  EXPECT_EQ(secrets[4].value(), std::vector<std::string>{kSecretA});
  EXPECT_TRUE(store_->GetSigningSecretsOfDeliveries({}).empty());
}

TEST_P(SigningStoreTest, SecretNamesAreListedSortedAndDeleted) {
  ASSERT_TRUE(store_->PutSecret("zeta", kSecretA));
  ASSERT_TRUE(store_->PutSecret("alpha", kSecretB));
  ASSERT_TRUE(store_->PutSecret("alpha", kSecretA));  // replaced, not duplicated
  EXPECT_EQ(store_->ListSecretNames().value(), (std::vector<std::string>{"alpha", "zeta"}));
  ASSERT_TRUE(store_->DeleteSecret("zeta"));
  EXPECT_EQ(store_->ListSecretNames().value(), std::vector<std::string>{"alpha"});
  Status again = store_->DeleteSecret("zeta");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(again.error().message, "no secret named 'zeta'");
}

TEST_P(SigningStoreTest, BadSecretNamesAndEmptyValuesAreRefused) {
  EXPECT_EQ(store_->PutSecret("", kSecretA).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->PutSecret("two words", kSecretA).error().message,
            "secret name 'two words' contains whitespace");
  EXPECT_EQ(store_->PutSecret("whsec_name", kSecretA).error().message,
            "secret name 'whsec_name' starts with \"whsec_\", which marks a secret value");
  EXPECT_EQ(store_->PutSecret("blank", "  ").error().message, "secret 'blank' has an empty value");
  EXPECT_TRUE(store_->ListSecretNames()->empty());
}

TEST_P(SigningStoreTest, DisableHookMarksItDisabled) {
  CreateRunWithSecret("disable", "");
  ASSERT_TRUE(store_->DisableHook(SampleKey("disable"), "notify", "the receiver answered 410"));
  auto hooks = store_->GetHooks(SampleKey("disable"));
  ASSERT_TRUE(hooks);
  EXPECT_TRUE(hooks->at(0).disabled);
  Status unknown = store_->DisableHook(SampleKey("disable"), "other", "x");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message, "run alice/webhook-demo/disable has no hook 'other'");
}

TEST_P(SigningStoreTest, AttemptWithADisableReasonDisablesTheHookWithTheOutcome) {
  CreateRunWithSecret("gone", "");
  auto claimed = store_->ClaimDueDeliveries(1000, 1, kLeaseMs, "d1");
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  AttemptOutcome outcome;
  outcome.attempt.delivery_id = claimed->front().id;
  outcome.attempt.number = 1;
  outcome.attempt.status_code = 410;
  outcome.attempt.error = "HTTP 410";
  outcome.new_state = DeliveryState::kFailed;
  outcome.error = "HTTP 410 Gone: hook 'notify' is now disabled";
  outcome.disable_hook_reason = "the receiver answered 410 Gone";
  ASSERT_TRUE(store_->RecordAttempts({outcome}).front());
  EXPECT_TRUE(store_->GetHooks(SampleKey("gone"))->at(0).disabled);
  const Delivery delivery = store_->GetDelivery(outcome.attempt.delivery_id).value();
  EXPECT_EQ(delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(delivery.last_error, outcome.error);
}

TEST_P(SigningStoreTest, DeadDeliveryIsStoredAndListedAsDead) {
  CreateRunWithSecret("dead", "");
  auto claimed = store_->ClaimDueDeliveries(1000, 1, kLeaseMs, "d1");
  ASSERT_EQ(claimed->size(), 1u);
  AttemptOutcome outcome;
  outcome.attempt.delivery_id = claimed->front().id;
  outcome.attempt.number = 1;
  outcome.new_state = DeliveryState::kDead;
  outcome.error = "HTTP 500";
  ASSERT_TRUE(store_->RecordAttempts({outcome}).front());
  auto dead = store_->ListDeliveries({.state = DeliveryState::kDead});
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().state, DeliveryState::kDead);
  EXPECT_EQ(store_->NextDueTime()->has_value(), false);
}

TEST_P(SigningStoreTest, DeferredDeliveryIsReleasedAndDueLaterWithoutAnAttempt) {
  CreateRunWithSecret("busy", "");
  auto claimed = store_->ClaimDueDeliveries(1000, 1, kLeaseMs, "d1");
  ASSERT_EQ(claimed->size(), 1u);
  const int64_t id = claimed->front().id;
  // Only the lease owner can hand it back.
  Status stranger = store_->DeferDelivery(id, "d2", 5000);
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store_->DeferDelivery(id, "d1", 5000));
  EXPECT_TRUE(store_->ClaimDueDeliveries(4999, 10, kLeaseMs, "d2")->empty());
  EXPECT_EQ(store_->NextDueTime()->value_or(-1), 5000);
  const Delivery deferred = store_->GetDelivery(id).value();
  EXPECT_EQ(deferred.attempt_count, 0);
  EXPECT_EQ(deferred.next_attempt_at_ms, 5000);
  EXPECT_EQ(store_->ClaimDueDeliveries(5000, 10, kLeaseMs, "d2")->size(), 1u);
  EXPECT_EQ(store_->DeferDelivery(999'999, "d1", 1).error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backing, SigningStoreTest, ::testing::Values("memory", "file"));

}  // namespace
}  // namespace runhook::store::testing
