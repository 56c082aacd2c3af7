#include "test_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <stdexcept>

namespace runhook::delivery::testing {

std::string ReceivedRequest::Header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

TestReceiver::TestReceiver(Responder respond) : respond_(std::move(respond)) {
  // cpp-httplib writes with plain send(): a client that hung up must not kill the test.
  std::signal(SIGPIPE, SIG_IGN);
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);
  server_.set_keep_alive_timeout(1);  // stop() waits for idle keep-alive connections to time out
  server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
  const auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    Handle(request, response);
  };
  const std::string any = ".*";
  server_.Get(any, handler).Post(any, handler).Put(any, handler).Patch(any, handler);
  server_.Delete(any, handler).Options(any, handler);
  // cpp-httplib listens with a backlog of 5; a burst of connections would see SYNs dropped and
  // retried only after 1-3 s. Remember the socket and listen again with a real backlog.
  auto listening_socket = std::make_shared<socket_t>(-1);
  server_.set_socket_options([listening_socket](socket_t socket) {
    httplib::default_socket_options(socket);
    *listening_socket = socket;
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("the test receiver could not bind a port");
  ::listen(*listening_socket, SOMAXCONN);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // cpp-httplib ignores a stop() that comes before its loop runs; wait for the loop.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
}

TestReceiver::~TestReceiver() {
  Release();
  server_.stop();
  thread_.join();
}

std::string TestReceiver::Url(const std::string& path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
}

std::vector<ReceivedRequest> TestReceiver::Requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool TestReceiver::WaitForRequests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

int TestReceiver::MaxConcurrent() const {
  std::lock_guard lock(mutex_);
  return max_active_;
}

void TestReceiver::WaitUntilReleased(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, limit, [&] { return released_; });
}

void TestReceiver::Release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  changed_.notify_all();
}

void TestReceiver::Handle(const httplib::Request& request, httplib::Response& response) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(ReceivedRequest{request.method, request.path, request.target,
                                        request.params, request.headers, request.body});
    ++active_;
    max_active_ = std::max(max_active_, active_);
  }
  changed_.notify_all();
  if (respond_) {
    respond_(request, response);
  } else {
    response.set_content("ok", "text/plain");
  }
  std::lock_guard lock(mutex_);
  --active_;
}

int UnusedPort() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool bound = ::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
                     ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(socket_fd);  // never listened: connecting to this port is refused
  if (!bound) throw std::runtime_error("could not find an unused port");
  return ntohs(address.sin_port);
}

}  // namespace runhook::delivery::testing
