#include "delivery/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "core/base64.h"

namespace runhook::delivery {
namespace {

using core::DecodeBase64;
using core::EncodeBase64;

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersionPrefix = "v1,";
constexpr size_t kMinimumKeyBytes = 24;
constexpr size_t kMaximumKeyBytes = 64;

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::optional<int64_t> ParseUnixSeconds(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string_view> SplitOnSpaces(std::string_view text) {
  std::vector<std::string_view> items;
  size_t position = 0;
  while (position < text.size()) {
    const size_t start = text.find_first_not_of(' ', position);
    if (start == std::string_view::npos) break;
    const size_t end = std::min(text.find(' ', start), text.size());
    items.push_back(text.substr(start, end - start));
    position = end;
  }
  return items;
}

bool EqualInConstantTime(std::string_view left, std::string_view right) {
  return left.size() == right.size() && CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

}  // namespace

Result<std::string> DecodeSigningSecret(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix)
    return MakeError(ErrorCode::kInvalidArgument,
                     "a signing secret starts with \"whsec_\" followed by base64");
  std::optional<std::string> key = DecodeBase64(secret.substr(kSecretPrefix.size()));
  if (!key)
    return MakeError(ErrorCode::kInvalidArgument,
                     "the signing secret after \"whsec_\" is not valid base64");
  if (key->size() < kMinimumKeyBytes || key->size() > kMaximumKeyBytes)
    return MakeError(ErrorCode::kInvalidArgument,
                     "the signing secret decodes to " + std::to_string(key->size()) +
                         " bytes; it must be 24 to 64 bytes (e.g. whsec_ + base64 of 32 random "
                         "bytes)");
  return std::move(key).value();
}

Result<std::string> GenerateSigningSecret(size_t key_bytes) {
  if (key_bytes < kMinimumKeyBytes || key_bytes > kMaximumKeyBytes)
    return MakeError(ErrorCode::kInvalidArgument, "a signing key has " +
                                                      std::to_string(kMinimumKeyBytes) + " to " +
                                                      std::to_string(kMaximumKeyBytes) +
                                                      " bytes, not " + std::to_string(key_bytes));
  std::string key(key_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    return MakeError(ErrorCode::kInternal, "OpenSSL's random generator failed (RAND_bytes)");
  std::string secret = std::string(kSecretPrefix) + EncodeBase64(key);
  OPENSSL_cleanse(key.data(), key.size());
  return secret;
}

std::string FindSigningSecretProblem(std::string_view secret) {
  Result<std::string> key = DecodeSigningSecret(secret);
  return key ? "" : key.error().message;
}

std::string SignWithKey(std::string_view key, std::string_view webhook_id,
                        int64_t timestamp_seconds, std::string_view body) {
  std::string message;
  message.reserve(webhook_id.size() + body.size() + 24);
  message.append(webhook_id).append(".").append(std::to_string(timestamp_seconds)).append(".");
  message.append(body);
  return std::string(kVersionPrefix) + EncodeBase64(HmacSha256(key, message));
}

Result<std::string> MakeSignatureHeader(const std::vector<std::string>& secrets,
                                        std::string_view webhook_id, int64_t timestamp_seconds,
                                        std::string_view body) {
  std::string header;
  for (size_t index = 0; index < secrets.size(); ++index) {
    Result<std::string> key = DecodeSigningSecret(secrets[index]);
    if (!key)
      return MakeError(ErrorCode::kInvalidArgument, "signing secret " + std::to_string(index + 1) +
                                                        " of " + std::to_string(secrets.size()) +
                                                        ": " + key.error().message);
    if (!header.empty()) header += ' ';
    header += SignWithKey(*key, webhook_id, timestamp_seconds, body);
  }
  return header;
}

SignatureCheck VerifySignature(const std::vector<std::string>& secrets, std::string_view webhook_id,
                               std::string_view timestamp, std::string_view signature_header,
                               std::string_view body, int64_t now_seconds,
                               int64_t tolerance_seconds) {
  if (webhook_id.empty()) return {false, "no webhook-id header"};
  if (timestamp.empty()) return {false, "no webhook-timestamp header"};
  if (signature_header.empty()) return {false, "no webhook-signature header"};
  const std::optional<int64_t> sent_at = ParseUnixSeconds(timestamp);
  if (!sent_at)
    return {false, "webhook-timestamp '" + std::string(timestamp) + "' is not unix seconds"};
  if (*sent_at < now_seconds - tolerance_seconds)
    return {false, "webhook-timestamp is " + std::to_string(now_seconds - *sent_at) +
                       " s old (more than " + std::to_string(tolerance_seconds) + " s)"};
  if (*sent_at > now_seconds + tolerance_seconds)
    return {false, "webhook-timestamp is " + std::to_string(*sent_at - now_seconds) +
                       " s in the future (more than " + std::to_string(tolerance_seconds) + " s)"};
  std::vector<std::string> expected;
  for (size_t index = 0; index < secrets.size(); ++index) {
    Result<std::string> key = DecodeSigningSecret(secrets[index]);
    if (!key) return {false, "secret " + std::to_string(index + 1) + ": " + key.error().message};
    expected.push_back(SignWithKey(*key, webhook_id, *sent_at, body));
  }
  bool saw_v1 = false;
  for (std::string_view entry : SplitOnSpaces(signature_header)) {
    if (entry.substr(0, kVersionPrefix.size()) != kVersionPrefix) continue;
    saw_v1 = true;
    for (const std::string& candidate : expected)
      if (EqualInConstantTime(entry, candidate)) return {true, ""};
  }
  if (!saw_v1) return {false, "webhook-signature has no v1 signature"};
  return {false, "no v1 signature matches the secret"};
}

}  // namespace runhook::delivery
