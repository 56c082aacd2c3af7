// TestReceiver: a real HTTP server (cpp-httplib, TCP_NODELAY) on 127.0.0.1 and an ephemeral port,
// serving any path and method in its own thread, recording every request it answers.
//
// Thread safety: every method may be called from any thread. Handlers run on the server's pool.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace runhook::delivery::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::string target;  // path and query as sent
  httplib::Params params;
  httplib::Headers headers;
  std::string body;

  // The first value of header `name` (case-insensitive), or "" when absent.
  std::string Header(const std::string& name) const;
  bool HasHeader(const std::string& name) const { return headers.count(name) > 0; }
};

class TestReceiver {
 public:
  // Answers each request with `respond` (default: 200 "ok"). `respond` runs before the request
  // is recorded as answered and may block (see WaitUntilReleased).
  using Responder = std::function<void(const httplib::Request&, httplib::Response&)>;
  explicit TestReceiver(Responder respond = nullptr);
  ~TestReceiver();  // releases blocked handlers, stops the server
  TestReceiver(const TestReceiver&) = delete;
  TestReceiver& operator=(const TestReceiver&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path_and_query) const;

  // Requests seen so far (recorded when they arrive, before `respond` runs).
  std::vector<ReceivedRequest> Requests() const;
  // Waits until at least `count` requests arrived; false on timeout.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) const;
  // The most requests that were inside `respond` at the same time.
  int MaxConcurrent() const;

  // For responders: blocks until Release (or the receiver is destroyed), or `limit` passes.
  void WaitUntilReleased(std::chrono::milliseconds limit = std::chrono::seconds(60));
  void Release();

 private:
  void Handle(const httplib::Request& request, httplib::Response& response);

  Responder respond_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<ReceivedRequest> requests_;  // guarded by mutex_
  int active_ = 0;                         // guarded by mutex_
  int max_active_ = 0;                     // guarded by mutex_
  bool released_ = false;                  // guarded by mutex_
};

// A TCP port on 127.0.0.1 where nothing listens (bound, then closed).
int UnusedPort();

}  // namespace runhook::delivery::testing
