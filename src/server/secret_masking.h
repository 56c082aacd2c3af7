// Keeping secret values out of what the server shows. A SecretMasker replaces every occurrence
// of a secret value in a text with "***": the value as stored, as the JSON string escapes and
// the urlencode filter write it, and, for a value holding several whitespace-separated keys
// (a signing-key rotation), each key. A value transformed otherwise by a template (b64encode,
// upper, a slice, ...) is not recognised; docs/api.md says so.
//
// Used twice: when an event is rendered (the delivery's masked request is stored beside the
// real one, so a secret changed or deleted later is still hidden), and whenever deliveries are
// read for the API or the run page (every request field, attempt response and error is masked
// with the secrets stored at that moment, which also covers a receiver echoing a secret back).
//
// Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/delivery.h"
#include "server/run_page.h"

namespace runhook::server {

inline constexpr std::string_view kSecretMask = "***";

class SecretMasker {
 public:
  SecretMasker() = default;
  // `secrets`: name -> value; only the values matter.
  explicit SecretMasker(const std::map<std::string, std::string>& secrets);

  // `text` with every secret occurrence replaced by kSecretMask.
  std::string Mask(std::string_view text) const;
  bool empty() const { return needles_.empty(); }

 private:
  std::vector<std::string> needles_;  // longest first, so a longer form wins over its part
};

// The request of `draft` with every secret occurrence masked, or nullopt when nothing was
// masked (no secret value appears in it).
std::optional<core::MaskedRequest> MaskRequest(const SecretMasker& masker,
                                               const core::DeliveryDraft& draft);

// Prepares a delivery read from the store for showing: its masked request (when it has one)
// replaces url, headers and body, and then every request field, the last error, and each
// attempt's response and error are masked with `masker`.
void MaskForDisplay(const SecretMasker& masker, DeliveryWithAttempts& delivery);

}  // namespace runhook::server
