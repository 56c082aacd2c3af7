// Standard Webhooks v1 signing and verifying: the specification's test vector, rotation, the
// verifier's refusals, and a signature checked by an independent verifier in Python.
#include "delivery/signature.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "core/clock.h"

namespace runhook::delivery {
namespace {

// The test vector published with the Standard Webhooks specification.
constexpr const char* kVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kVectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kVectorTimestamp = 1614265330;
constexpr const char* kVectorBody = R"({"test": 2432232314})";
constexpr const char* kVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// base64 of the 32 bytes 0x00..0x1f.
constexpr const char* kOtherSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

TEST(Signature, ReproducesTheSpecificationTestVector) {
  auto header = MakeSignatureHeader({kVectorSecret}, kVectorId, kVectorTimestamp, kVectorBody);
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(*header, kVectorSignature);
}

TEST(Signature, VerifiesTheSpecificationTestVector) {
  const SignatureCheck check =
      VerifySignature({kVectorSecret}, kVectorId, std::to_string(kVectorTimestamp),
                      kVectorSignature, kVectorBody, kVectorTimestamp + 10);
  EXPECT_TRUE(check.valid) << check.reason;
  EXPECT_EQ(check.reason, "");
}

TEST(Signature, RotationSignsWithEverySecretInOrder) {
  auto header =
      MakeSignatureHeader({kVectorSecret, kOtherSecret}, kVectorId, kVectorTimestamp, kVectorBody);
  ASSERT_TRUE(header.ok());
  const auto other_key = DecodeSigningSecret(kOtherSecret);
  ASSERT_TRUE(other_key.ok());
  EXPECT_EQ(*header, std::string(kVectorSignature) + " " +
                         SignWithKey(other_key.value(), kVectorId, kVectorTimestamp, kVectorBody));
  // A receiver that knows only either secret accepts it.
  for (const char* secret : {kVectorSecret, kOtherSecret})
    EXPECT_TRUE(VerifySignature({secret}, kVectorId, std::to_string(kVectorTimestamp), *header,
                                kVectorBody, kVectorTimestamp)
                    .valid);
}

TEST(Signature, VerifierAcceptsAnyOfSeveralSecrets) {
  EXPECT_TRUE(VerifySignature({kOtherSecret, kVectorSecret}, kVectorId,
                              std::to_string(kVectorTimestamp), kVectorSignature, kVectorBody,
                              kVectorTimestamp)
                  .valid);
}

TEST(Signature, TamperedBodyIsInvalid) {
  const SignatureCheck check =
      VerifySignature({kVectorSecret}, kVectorId, std::to_string(kVectorTimestamp),
                      kVectorSignature, R"({"test": 2432232315})", kVectorTimestamp);
  EXPECT_FALSE(check.valid);
  EXPECT_EQ(check.reason, "no v1 signature matches the secret");
}

TEST(Signature, WrongSecretIsInvalid) {
  EXPECT_FALSE(VerifySignature({kOtherSecret}, kVectorId, std::to_string(kVectorTimestamp),
                               kVectorSignature, kVectorBody, kVectorTimestamp)
                   .valid);
}

TEST(Signature, TimestampOutsideFiveMinutesIsInvalid) {
  const std::string timestamp = std::to_string(kVectorTimestamp);
  EXPECT_TRUE(VerifySignature({kVectorSecret}, kVectorId, timestamp, kVectorSignature, kVectorBody,
                              kVectorTimestamp + 300)
                  .valid);
  const SignatureCheck old = VerifySignature({kVectorSecret}, kVectorId, timestamp,
                                             kVectorSignature, kVectorBody, kVectorTimestamp + 301);
  EXPECT_FALSE(old.valid);
  EXPECT_EQ(old.reason, "webhook-timestamp is 301 s old (more than 300 s)");
  const SignatureCheck future = VerifySignature(
      {kVectorSecret}, kVectorId, timestamp, kVectorSignature, kVectorBody, kVectorTimestamp - 301);
  EXPECT_FALSE(future.valid);
  EXPECT_EQ(future.reason, "webhook-timestamp is 301 s in the future (more than 300 s)");
}

TEST(Signature, MissingOrMalformedHeadersAreInvalidWithTheReason) {
  const std::string timestamp = std::to_string(kVectorTimestamp);
  EXPECT_EQ(VerifySignature({kVectorSecret}, "", timestamp, kVectorSignature, kVectorBody,
                            kVectorTimestamp)
                .reason,
            "no webhook-id header");
  EXPECT_EQ(VerifySignature({kVectorSecret}, kVectorId, "", kVectorSignature, kVectorBody,
                            kVectorTimestamp)
                .reason,
            "no webhook-timestamp header");
  EXPECT_EQ(
      VerifySignature({kVectorSecret}, kVectorId, timestamp, "", kVectorBody, kVectorTimestamp)
          .reason,
      "no webhook-signature header");
  EXPECT_EQ(VerifySignature({kVectorSecret}, kVectorId, "yesterday", kVectorSignature, kVectorBody,
                            kVectorTimestamp)
                .reason,
            "webhook-timestamp 'yesterday' is not unix seconds");
  EXPECT_EQ(VerifySignature({kVectorSecret}, kVectorId, timestamp,
                            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", kVectorBody,
                            kVectorTimestamp)
                .reason,
            "webhook-signature has no v1 signature");
}

TEST(Signature, SecretsMustBeWhsecBase64OfTwentyFourToSixtyFourBytes) {
  EXPECT_EQ(FindSigningSecretProblem(kVectorSecret), "");
  EXPECT_EQ(FindSigningSecretProblem("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            "a signing secret starts with \"whsec_\" followed by base64");
  EXPECT_EQ(FindSigningSecretProblem("whsec_not*base64!"),
            "the signing secret after \"whsec_\" is not valid base64");
  EXPECT_EQ(FindSigningSecretProblem("whsec_c2hvcnQ="),
            "the signing secret decodes to 5 bytes; it must be 24 to 64 bytes (e.g. whsec_ + "
            "base64 of 32 random bytes)");
  EXPECT_EQ(DecodeSigningSecret(kOtherSecret)->size(), 32u);
}

TEST(Signature, HeaderNamesTheBadSecretByPositionNotValue) {
  auto header = MakeSignatureHeader({kVectorSecret, "whsec_c2hvcnQ="}, kVectorId, 1, "");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().message.rfind("signing secret 2 of 2: ", 0), 0u)
      << header.error().message;
  EXPECT_EQ(header.error().message.find("c2hvcnQ"), std::string::npos);
}

// Runs the Python verifier with `body` on its stdin; returns what it printed.
std::string RunPythonVerifier(const std::string& secret, const std::string& webhook_id,
                              int64_t timestamp, const std::string& header,
                              const std::string& body) {
  char body_path[] = "/tmp/runhook-signature-body-XXXXXX";
  const int fd = mkstemp(body_path);
  EXPECT_GE(fd, 0);
  FILE* file = fdopen(fd, "wb");
  std::fwrite(body.data(), 1, body.size(), file);
  std::fclose(file);
  const std::string command = std::string(RUNHOOK_PYTHON) + " " + RUNHOOK_PYTHON_VERIFIER + " '" +
                              secret + "' '" + webhook_id + "' '" + std::to_string(timestamp) +
                              "' '" + header + "' < " + body_path;
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 256> buffer{};
  while (pipe != nullptr && std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    output += buffer.data();
  if (pipe != nullptr) pclose(pipe);
  std::remove(body_path);
  return output;
}

TEST(Signature, IndependentPythonVerifierAcceptsOurSignature) {
  const int64_t now = core::NowUnixMillis() / 1000;
  const std::string body = "{\"run\": \"abc\", \"note\": \"caf\xC3\xA9\", \"n\": [1, 2]}\n";
  auto header = MakeSignatureHeader({kOtherSecret, kVectorSecret}, "msg_python", now, body);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(RunPythonVerifier(kVectorSecret, "msg_python", now, *header, body), "valid\n");
  EXPECT_EQ(RunPythonVerifier(kOtherSecret, "msg_python", now, *header, body), "valid\n");
  EXPECT_EQ(RunPythonVerifier(kVectorSecret, "msg_python", now, *header, body + " "),
            "no matching v1 signature\n");
}

}  // namespace
}  // namespace runhook::delivery
