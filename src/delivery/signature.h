// Standard Webhooks v1 signatures (https://www.standardwebhooks.com): the dispatcher signs each
// attempt, `runhook listen --secret` verifies what it receives.
//
// A signing secret is "whsec_" followed by the base64 of 24 to 64 random bytes. An attempt
// carries three headers:
//   webhook-id:        the delivery's id, the same on every attempt
//   webhook-timestamp: unix seconds when the attempt was made
//   webhook-signature: "v1,<base64 HMAC-SHA256 of '<id>.<timestamp>.<body>'>", keyed with the
//                      decoded secret; during a rotation one such entry per secret, separated
//                      by spaces
//
// Pure functions; thread-safe. Messages never contain a secret.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace runhook::delivery {

inline constexpr int64_t kDefaultSignatureTolerance = 300;  // seconds either side of now

// The key bytes of "whsec_<base64>". Errors (kInvalidArgument): no whsec_ prefix, invalid
// base64, or a key shorter than 24 or longer than 64 bytes.
Result<std::string> DecodeSigningSecret(std::string_view secret);

// Checks a secret's form without keeping the key; "" when it is valid, else why not.
std::string FindSigningSecretProblem(std::string_view secret);

// A new signing secret: "whsec_" + base64 of `key_bytes` (24 to 64) bytes from OpenSSL's
// RAND_bytes. Errors: kInvalidArgument for a size out of range; kInternal when the random
// generator fails.
Result<std::string> GenerateSigningSecret(size_t key_bytes = 32);

// "v1,<base64 signature>" of one message with the decoded `key`.
std::string SignWithKey(std::string_view key, std::string_view webhook_id,
                        int64_t timestamp_seconds, std::string_view body);

// The webhook-signature header value: one "v1,..." per secret, in order, space-separated.
// Errors (kInvalidArgument): a secret that does not decode; the message gives its position.
Result<std::string> MakeSignatureHeader(const std::vector<std::string>& secrets,
                                        std::string_view webhook_id, int64_t timestamp_seconds,
                                        std::string_view body);

struct SignatureCheck {
  bool valid = false;
  std::string reason;  // why it is invalid; empty when valid
};

// Verifies a received request as the Standard Webhooks libraries do: the timestamp must be
// unix seconds within `tolerance_seconds` of `now_seconds`, and at least one "v1," entry of
// `signature_header` must match the signature under at least one of `secrets` (compared in
// constant time). Entries of other versions are ignored.
SignatureCheck VerifySignature(const std::vector<std::string>& secrets, std::string_view webhook_id,
                               std::string_view timestamp, std::string_view signature_header,
                               std::string_view body, int64_t now_seconds,
                               int64_t tolerance_seconds = kDefaultSignatureTolerance);

}  // namespace runhook::delivery
