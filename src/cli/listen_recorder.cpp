#include "cli/listen_recorder.h"

#include <sstream>

#include "core/clock.h"

namespace runhook::cli {

Json ReceivedWebhookToJson(const ReceivedWebhook& webhook) {
  Json headers = Json::object();
  for (const auto& [name, value] : webhook.headers) {
    auto existing = headers.find(name);
    if (existing == headers.end()) {
      headers[name] = value;
    } else {
      *existing = existing->get<std::string>() + ", " + value;
    }
  }
  Json json{
      {"method", webhook.method}, {"path", webhook.path},
      {"query", webhook.query},   {"headers", headers},
      {"body", webhook.body},     {"received_at", core::FormatIso8601(webhook.received_at_ms)}};
  if (!webhook.signature_verdict.empty()) json["signature"] = webhook.signature_verdict;
  return json;
}

std::string FormatJsonLine(const ReceivedWebhook& webhook) {
  return ReceivedWebhookToJson(webhook).dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string FormatForPeople(const ReceivedWebhook& webhook) {
  std::ostringstream text;
  text << "--- " << core::FormatIso8601(webhook.received_at_ms) << "  " << webhook.method << ' '
       << webhook.path;
  if (!webhook.query.empty()) text << '?' << webhook.query;
  text << '\n';
  if (!webhook.signature_verdict.empty()) {
    constexpr std::string_view kInvalidPrefix = "invalid: ";
    if (webhook.signature_verdict.rfind(kInvalidPrefix, 0) == 0) {
      text << "signature: INVALID (" << webhook.signature_verdict.substr(kInvalidPrefix.size())
           << ")\n";
    } else {
      text << "signature: " << webhook.signature_verdict << '\n';
    }
  }
  for (const auto& [name, value] : webhook.headers) text << name << ": " << value << '\n';
  text << '\n';
  if (webhook.body.empty()) {
    text << "(empty body)\n";
  } else {
    const Json parsed = Json::parse(webhook.body, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded() && parsed.is_structured()) {
      text << parsed.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
    } else {
      text << webhook.body;
      if (webhook.body.back() != '\n') text << '\n';
    }
  }
  text << '\n';
  return text.str();
}

bool ListenRecorder::Record(const ReceivedWebhook& webhook) {
  const std::string readable = FormatForPeople(webhook);
  const std::string line = FormatJsonLine(webhook);
  std::lock_guard lock(mutex_);
  out_ << readable << std::flush;
  if (jsonl_ == nullptr) return static_cast<bool>(out_);
  *jsonl_ << line << std::flush;
  if (!*jsonl_) {
    out_ << "runhook listen: could not append to the JSON lines file" << std::endl;
    return false;
  }
  return true;
}

}  // namespace runhook::cli
