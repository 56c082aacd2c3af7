// Helpers for the server tests: a real Server on an ephemeral port with a SQLite store in a
// temporary directory, an HTTP client for it, a webhook receiver, and waiting with deadlines.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "core/json.h"
#include "server/server.h"

namespace runhook::server::testing {

// Polls `condition` until it is true or `timeout` passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_type;
  Json json;  // parsed body when it is JSON, else null
};

// A started Server on 127.0.0.1:<ephemeral> over sqlite:<temp>/runhook.db.
class TestServer {
 public:
  // `adjust` may change the options before Start (e.g. a small body limit).
  explicit TestServer(const std::function<void(ServerOptions&)>& adjust = {});
  ~TestServer();

  HttpAnswer Get(const std::string& path);
  HttpAnswer Post(const std::string& path, const std::string& body,
                  const std::string& content_type = "application/json",
                  const httplib::Headers& headers = {});
  HttpAnswer Post(const std::string& path, const char* body) {
    return Post(path, std::string(body));
  }
  HttpAnswer Post(const std::string& path, const Json& body) { return Post(path, body.dump()); }
  HttpAnswer Put(const std::string& path, const Json& body);
  HttpAnswer Patch(const std::string& path, const Json& body);
  HttpAnswer Delete(const std::string& path);

  // POST /api/v1/runs; the test fails unless it answers 201. Returns the answer's "run".
  Json CreateRun(const Json& body);
  // "/api/v1/runs/<entity>/<project>/<id>" of a RUN_JSON.
  static std::string RunPath(const Json& run);

  int port() const { return port_; }
  const std::string& public_url() const { return server_->public_url(); }

 private:
  TempDir dir_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

struct ReceivedRequest {
  std::string method;
  std::string path;
  httplib::Params params;
  httplib::Headers headers;
  std::string body;
};

// A webhook receiver on 127.0.0.1:<ephemeral> that records every request and answers `status`.
class Receiver {
 public:
  explicit Receiver(int status = 200);
  ~Receiver();

  std::string Url(const std::string& path) const;
  // Waits until at least `count` requests arrived; returns all of them (fewer on timeout).
  std::vector<ReceivedRequest> WaitForRequests(
      size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<ReceivedRequest> Requests();

 private:
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;  // guarded by mutex_
};

}  // namespace runhook::server::testing
