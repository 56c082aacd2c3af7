#include "test_support.h"

#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace runhook::server::testing {

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "runhook-server-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // best effort: a leftover temp dir is harmless
  std::filesystem::remove_all(path_, ignored);
}

TestServer::TestServer(const std::function<void(ServerOptions&)>& adjust) {
  ServerOptions options;
  options.port = 0;
  options.store_spec = "sqlite:" + dir_.path() + "/runhook.db";
  options.worker_threads = 8;
  options.dispatcher.idle_poll = std::chrono::milliseconds(200);
  if (adjust) adjust(options);
  server_ = std::make_unique<Server>(options);
  auto port = server_->Start();
  if (!port) throw std::runtime_error("server did not start: " + port.error().message);
  port_ = *port;
}

TestServer::~TestServer() { server_->Stop(std::chrono::seconds(2)); }

namespace {

HttpAnswer ToAnswer(const httplib::Result& result) {
  HttpAnswer answer;
  if (!result) {
    ADD_FAILURE() << "HTTP request failed: " << httplib::to_string(result.error());
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  answer.content_type = result->get_header_value("Content-Type");
  if (answer.content_type.find("json") != std::string::npos)
    answer.json = Json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  return answer;
}

}  // namespace

HttpAnswer TestServer::Get(const std::string& path) {
  httplib::Client client("127.0.0.1", port_);
  return ToAnswer(client.Get(path));
}

HttpAnswer TestServer::Post(const std::string& path, const std::string& body,
                            const std::string& content_type, const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", port_);
  return ToAnswer(client.Post(path, headers, body, content_type));
}

HttpAnswer TestServer::Put(const std::string& path, const Json& body) {
  httplib::Client client("127.0.0.1", port_);
  return ToAnswer(client.Put(path, body.dump(), "application/json"));
}

HttpAnswer TestServer::Patch(const std::string& path, const Json& body) {
  httplib::Client client("127.0.0.1", port_);
  return ToAnswer(client.Patch(path, body.dump(), "application/json"));
}

HttpAnswer TestServer::Delete(const std::string& path) {
  httplib::Client client("127.0.0.1", port_);
  return ToAnswer(client.Delete(path));
}

Json TestServer::CreateRun(const Json& body) {
  HttpAnswer answer = Post("/api/v1/runs", body);
  EXPECT_EQ(answer.status, 201) << answer.body;
  return answer.json.is_object() ? answer.json.value("run", Json()) : Json();
}

std::string TestServer::RunPath(const Json& run) {
  return "/api/v1/runs/" + run.value("entity", "") + "/" + run.value("project", "") + "/" +
         run.value("id", "");
}

Receiver::Receiver(int status) {
  http_.set_tcp_nodelay(true);
  auto record = [this, status](const httplib::Request& request, httplib::Response& response) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(ReceivedRequest{request.method, request.path, request.params,
                                          request.headers, request.body});
    }
    arrived_.notify_all();
    response.status = status;
    response.set_content("received", "text/plain");
  };
  const std::string any = ".*";
  http_.Get(any, record);
  http_.Post(any, record);
  http_.Put(any, record);
  http_.Patch(any, record);
  http_.Delete(any, record);
  port_ = http_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("receiver could not bind");
  thread_ = std::thread([this] { http_.listen_after_bind(); });
  while (!http_.is_running()) std::this_thread::yield();
}

Receiver::~Receiver() {
  http_.stop();
  thread_.join();
}

std::string Receiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedRequest> Receiver::WaitForRequests(size_t count,
                                                       std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  return requests_;
}

std::vector<ReceivedRequest> Receiver::Requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

}  // namespace runhook::server::testing
