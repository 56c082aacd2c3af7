// What `runhook listen` does with each webhook it receives: print it for people and append it as
// one JSON line for programs (tests tail the file).
//
// The JSON line: {"method", "path", "query", "headers": {...}, "body", "received_at"}, plus
// "signature": "valid" or "invalid: <reason>" when `listen --secret` checked it.
// `query` is the raw query string without "?" ("" when none); header names keep the case they
// arrived in, and repeated headers are joined with ", "; `received_at` is ISO 8601 UTC. Bytes
// that are not UTF-8 become U+FFFD in the JSON line (the printed form shows them as they came).
#pragma once

#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace runhook::cli {

struct ReceivedWebhook {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;
  int64_t received_at_ms = 0;
  // The signature check (`listen --secret`): "valid", "invalid: <reason>"; empty: not checked.
  std::string signature_verdict;
};

Json ReceivedWebhookToJson(const ReceivedWebhook& webhook);

// One line of JSON and a newline.
std::string FormatJsonLine(const ReceivedWebhook& webhook);

// A readable block: a rule with time, method and target, "signature: valid" or
// "signature: INVALID (<reason>)" when checked, the headers, a blank line, and the body
// (pretty-printed when it is JSON, "(empty body)" when empty).
std::string FormatForPeople(const ReceivedWebhook& webhook);

// Writes each webhook to `out` (readable) and, when given, `jsonl` (one JSON line), flushing
// both after every webhook. Both streams are borrowed and must outlive the recorder.
// Thread safety: Record may be called from many threads at once; writes never interleave.
class ListenRecorder {
 public:
  ListenRecorder(std::ostream& out, std::ostream* jsonl) : out_(out), jsonl_(jsonl) {}

  // Returns false when a write failed (e.g. the disk is full); the message goes to `out`.
  bool Record(const ReceivedWebhook& webhook);

 private:
  std::mutex mutex_;
  std::ostream& out_;    // guarded by mutex_
  std::ostream* jsonl_;  // guarded by mutex_; may be null
};

}  // namespace runhook::cli
