// Standard base64 (RFC 4648, with '=' padding), through OpenSSL. Used for webhook signing secrets
// and signatures (delivery/signature.h) and for binary request bodies kept in the SDK's spool
// (sdk/spool.h). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace runhook::core {

// `bytes` as padded base64.
std::string EncodeBase64(std::string_view bytes);

// The bytes of `text`, standard base64 with or without padding; nullopt when `text` is not base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace runhook::core
