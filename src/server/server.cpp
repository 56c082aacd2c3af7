#include "server/server.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <httplib.h>

#include "server/handlers.h"
#include "server/run_service.h"
#include "store/open_store.h"

namespace runhook::server {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

std::string DefaultPublicUrl(const std::string& host, int port) {
  std::string shown = host;
  if (host.empty() || host == "0.0.0.0" || host == "::") shown = HostName();
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  return "http://" + shown + ":" + std::to_string(port);
}

class Server::Impl {
 public:
  explicit Impl(ServerOptions options) : options_(std::move(options)) {}
  ~Impl() { Stop(std::chrono::seconds(1)); }

  Result<int> Start();
  void Stop(std::chrono::milliseconds delivery_timeout);

  int port() const { return port_; }
  const std::string& public_url() const { return public_url_; }

 private:
  Result<int> Bind();
  void ConfigureHttp();

  ServerOptions options_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<delivery::Dispatcher> dispatcher_;
  std::unique_ptr<RunService> runs_;
  std::unique_ptr<ApiContext> api_;
  httplib::Server http_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  bool started_ = false;
  bool stopped_ = false;
  int port_ = 0;
  std::string public_url_;
};

void Server::Impl::ConfigureHttp() {
  http_.set_tcp_nodelay(true);  // without it cpp-httplib answers ~300 requests/s
  http_.set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_count));
  http_.set_keep_alive_timeout(options_.keep_alive_timeout_seconds);
  http_.set_payload_max_length(options_.max_request_bytes);
  const size_t workers = static_cast<size_t>(std::max(2, options_.worker_threads));
  http_.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
}

Result<int> Server::Impl::Bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_.bind_to_any_port(options_.host);
    if (port <= 0) port = -1;
  } else if (!http_.bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port < 0)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                         " (address in use, or not an address of this machine)");
  return port;
}

Result<int> Server::Impl::Start() {
  if (started_) return MakeError(ErrorCode::kInternal, "Server::Start called twice");
  started_ = true;
  if (options_.store_spec.empty())
    return MakeError(ErrorCode::kInvalidArgument, "no store given (e.g. sqlite:/path/runhook.db)");
  auto store = store::OpenStore(options_.store_spec);
  if (!store) return store.error();
  store_ = std::move(store.value());

  ConfigureHttp();
  auto port = Bind();
  if (!port) return port.error();
  port_ = *port;
  public_url_ =
      options_.public_url.empty() ? DefaultPublicUrl(options_.host, port_) : options_.public_url;

  delivery::DispatcherOptions dispatcher_options = options_.dispatcher;
  if (dispatcher_options.owner.empty() || dispatcher_options.owner == "dispatcher")
    dispatcher_options.owner = HostName() + ":" + std::to_string(getpid());
  dispatcher_ = std::make_unique<delivery::Dispatcher>(*store_, dispatcher_options);
  dispatcher_->Start();

  RunServiceOptions run_options;
  run_options.public_url = public_url_;
  run_options.default_max_attempts = dispatcher_options.retry_schedule.attempts();
  delivery::Dispatcher* dispatcher = dispatcher_.get();
  runs_ = std::make_unique<RunService>(*store_, std::move(run_options),
                                       [dispatcher] { dispatcher->Notify(); });
  api_ = std::make_unique<ApiContext>(ApiContext{*store_, *runs_});
  RegisterRoutes(http_, *api_, options_.max_request_bytes);

  listener_ = std::thread([this] {
    if (!http_.listen_after_bind())
      std::fprintf(stderr, "runhook server: the listener stopped with an error\n");
    listener_done_ = true;
  });
  // Stop() only reaches a listener that runs, so wait until it does (microseconds).
  while (!http_.is_running() && !listener_done_) std::this_thread::yield();
  if (listener_done_) {
    Stop(std::chrono::seconds(1));
    return MakeError(ErrorCode::kUnavailable, "the HTTP listener did not start");
  }
  return port_;
}

void Server::Impl::Stop(std::chrono::milliseconds delivery_timeout) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  if (listener_.joinable()) {
    http_.stop();
    listener_.join();
  }
  if (dispatcher_) dispatcher_->Shutdown(delivery_timeout);
  dispatcher_.reset();
  api_.reset();
  runs_.reset();
  store_.reset();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() = default;
Result<int> Server::Start() { return impl_->Start(); }
void Server::Stop(std::chrono::milliseconds delivery_timeout) { impl_->Stop(delivery_timeout); }
int Server::port() const { return impl_->port(); }
const std::string& Server::public_url() const { return impl_->public_url(); }

}  // namespace runhook::server
