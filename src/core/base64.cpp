#include "core/base64.h"

#include <openssl/evp.h>

#include <algorithm>

namespace runhook::core {

std::string EncodeBase64(std::string_view bytes) {
  std::string encoded(4 * ((bytes.size() + 2) / 3), '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  encoded.resize(static_cast<size_t>(std::max(length, 0)));
  return encoded;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string padded(text);
  while (padded.size() % 4 != 0) padded += '=';
  const size_t padding = static_cast<size_t>(
      std::count(padded.end() - std::min<size_t>(padded.size(), 2), padded.end(), '='));
  std::string decoded(3 * padded.size() / 4, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                     reinterpret_cast<const unsigned char*>(padded.data()),
                                     static_cast<int>(padded.size()));
  if (length < 0 || static_cast<size_t>(length) < padding) return std::nullopt;
  decoded.resize(static_cast<size_t>(length) - padding);
  return decoded;
}

}  // namespace runhook::core
