#include "server/secret_masking.h"

#include <algorithm>
#include <sstream>

#include "template/filters.h"

namespace runhook::server {
namespace {

// The JSON string escape of `value` without the surrounding quotes.
std::string JsonEscaped(const std::string& value) {
  const std::string quoted = Json(value).dump();
  return quoted.substr(1, quoted.size() - 2);
}

void AddForms(const std::string& value, std::vector<std::string>& needles) {
  if (value.empty()) return;
  needles.push_back(value);
  needles.push_back(JsonEscaped(value));
  needles.push_back(templating::UrlQuote(value, false));
  needles.push_back(templating::UrlQuote(value, true));
}

void MaskHeaders(const SecretMasker& masker,
                 std::vector<std::pair<std::string, std::string>>& headers) {
  for (auto& [name, value] : headers) value = masker.Mask(value);
}

}  // namespace

SecretMasker::SecretMasker(const std::map<std::string, std::string>& secrets) {
  for (const auto& [name, value] : secrets) {
    AddForms(value, needles_);
    std::istringstream items(value);
    std::vector<std::string> keys;
    for (std::string item; items >> item;) keys.push_back(item);
    if (keys.size() > 1)
      for (const std::string& key : keys) AddForms(key, needles_);
  }
  std::sort(needles_.begin(), needles_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  needles_.erase(std::unique(needles_.begin(), needles_.end()), needles_.end());
}

std::string SecretMasker::Mask(std::string_view text) const {
  std::string out(text);
  for (const std::string& needle : needles_) {
    size_t position = out.find(needle);
    while (position != std::string::npos) {
      out.replace(position, needle.size(), kSecretMask);
      position = out.find(needle, position + kSecretMask.size());
    }
  }
  return out;
}

std::optional<core::MaskedRequest> MaskRequest(const SecretMasker& masker,
                                               const core::DeliveryDraft& draft) {
  if (masker.empty()) return std::nullopt;
  core::MaskedRequest masked{masker.Mask(draft.url), draft.headers, masker.Mask(draft.body)};
  MaskHeaders(masker, masked.headers);
  if (masked.url == draft.url && masked.headers == draft.headers && masked.body == draft.body)
    return std::nullopt;
  return masked;
}

void MaskForDisplay(const SecretMasker& masker, DeliveryWithAttempts& delivery) {
  core::DeliveryDraft& request = delivery.delivery.request;
  if (request.masked) {
    request.url = std::move(request.masked->url);
    request.headers = std::move(request.masked->headers);
    request.body = std::move(request.masked->body);
    request.masked.reset();
  }
  if (masker.empty()) return;
  request.url = masker.Mask(request.url);
  MaskHeaders(masker, request.headers);
  request.body = masker.Mask(request.body);
  request.render_error = masker.Mask(request.render_error);
  delivery.delivery.last_error = masker.Mask(delivery.delivery.last_error);
  for (core::Attempt& attempt : delivery.attempts) {
    attempt.response_excerpt = masker.Mask(attempt.response_excerpt);
    attempt.error = masker.Mask(attempt.error);
  }
}

}  // namespace runhook::server
