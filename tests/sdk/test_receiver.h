// A real HTTP server for the SDK tests: it answers the calls of docs/api.md the way the runhook
// server does (enough for the SDK) and records every request. Not the product server.
//
// Listens on 127.0.0.1 on an ephemeral port from construction until Stop or destruction.
// Behaviours can be switched at any time from the test thread. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runhook/runhook.h"

namespace httplib {
class Server;
}

namespace runhook::testing {

struct RecordedRequest {
  std::string path;  // e.g. "/api/v1/runs/alice/demo/abc/history"
  // The parsed body (null when not JSON); a history batch in the compact encoding is decoded to
  // its JSON form {"batch_id", "rows": [{"step", "values"}]} (discarded when it does not decode).
  Json body;
  // The last path segment: "runs" for a create, else "start", "history", "heartbeat", "finish",
  // "alert", "config", "summary" or "metrics".
  std::string verb;
  std::string method = "POST";
  std::string content_type;      // the request's Content-Type header
  std::string content_encoding;  // its Content-Encoding header ("" when absent); zstd is decoded
};

class TestReceiver {
 public:
  TestReceiver();
  ~TestReceiver();

  std::string url() const;  // "http://127.0.0.1:<port>"
  // Stops listening; later connections are refused. Releases hung requests first.
  void Stop();

  // Answers POST /api/v1/runs with `status` and an API error body instead of 201.
  void RefuseRuns(int status, std::string code, std::string message);
  // Answers POST /api/v1/runs like a server resuming an existing run whose last stored step is
  // `last_step`: 200 {"run": {..., "last_step"}, "resumed": true}.
  void ResumeRuns(int64_t last_step);
  // Answers the next `count` history requests with `status` (e.g. 503).
  void FailHistory(int count, int status);
  // While on, history requests are recorded and then held without an answer until released.
  void HangHistory(bool on);

  std::vector<RecordedRequest> Requests() const;
  std::vector<RecordedRequest> Requests(const std::string& verb) const;
  // Rows of the history batches answered 200, counting a repeated batch_id once, in order.
  std::vector<Json> HistoryRows() const;

  // Waits until HistoryRows() holds at least `count` rows or `timeout` passes.
  bool WaitForHistoryRows(size_t count,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Waits until `condition` (called with the lock held, on the recorded requests) holds or
  // `timeout` passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<RecordedRequest>&)>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  void Record(RecordedRequest request);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;       // guarded by mutex_
  int refuse_status_ = 0;                       // guarded by mutex_
  std::string refuse_code_, refuse_message_;    // guarded by mutex_
  std::optional<int64_t> resume_last_step_;     // guarded by mutex_
  int history_failures_left_ = 0;               // guarded by mutex_
  int history_failure_status_ = 503;            // guarded by mutex_
  bool hang_history_ = false;                   // guarded by mutex_
  bool stopping_ = false;                       // guarded by mutex_
  std::set<std::string> acknowledged_batches_;  // guarded by mutex_
  std::vector<Json> acknowledged_rows_;         // guarded by mutex_
};

// Waits on `condition` with a deadline by polling it (for state without a notification).
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

// True when one of `requests` has the last path segment `verb` ("history", "finish", ...).
bool HasVerb(const std::vector<RecordedRequest>& requests, const std::string& verb);

}  // namespace runhook::testing
