#include "server/server.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <string>
#include <thread>

#include <httplib.h>

#include "core/clock.h"
#include "core/thread_name.h"
#include "delivery/destination_policy.h"
#include "server/handlers.h"
#include "server/lifecycle_monitor.h"
#include "server/run_service.h"
#include "store/open_store.h"

namespace runhook::server {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// The lease owner name of this process's dispatcher: "host:pid".
std::string DispatcherOwner() { return HostName() + ":" + std::to_string(getpid()); }

// Releases the delivery leases of dispatchers of this host whose process is gone (a server killed
// with SIGKILL), so their deliveries resume now rather than when the leases expire. An owner of
// another host, or whose process still exists (kill(pid, 0) does not fail with ESRCH), keeps its
// leases. Problems are logged: the leases then simply expire.
void ReleaseLeasesOfDeadLocalDispatchers(store::Store& store, int64_t now_ms) {
  auto owners = store.ListLeaseOwners(now_ms);
  if (!owners) {
    std::fprintf(stderr, "runhook server: listing delivery leases failed: %s\n",
                 owners.error().message.c_str());
    return;
  }
  const std::string prefix = HostName() + ":";
  for (const std::string& owner : *owners) {
    if (owner.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = owner.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos ||
        pid_text.size() > 9)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
    auto released = store.ReleaseLeases(owner);
    if (!released) {
      std::fprintf(stderr, "runhook server: releasing the delivery leases of %s failed: %s\n",
                   owner.c_str(), released.error().message.c_str());
    } else if (*released > 0) {
      std::printf("runhook server: resuming %d deliveries leased to %s, a process that is gone\n",
                  *released, owner.c_str());
    }
  }
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
  std::unique_ptr<LifecycleMonitor> lifecycle_;
  std::unique_ptr<ApiContext> api_;
  httplib::Server http_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  bool started_ = false;
  bool stopped_ = false;
  int port_ = 0;
  std::string public_url_;
  std::string dispatcher_owner_;  // the lease owner name of dispatcher_
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
    dispatcher_options.owner = DispatcherOwner();
  dispatcher_owner_ = dispatcher_options.owner;
  ReleaseLeasesOfDeadLocalDispatchers(*store_, core::NowUnixMillis());
  dispatcher_options.destination_policy.loopback_only =
      delivery::IsLoopbackListenHost(options_.host);
  dispatcher_ = std::make_unique<delivery::Dispatcher>(*store_, dispatcher_options);
  dispatcher_->Start();

  RunServiceOptions run_options;
  run_options.public_url = public_url_;
  run_options.default_max_attempts = dispatcher_options.retry_schedule.attempts();
  delivery::Dispatcher* dispatcher = dispatcher_.get();
  // lifecycle_ is set below, before the listener starts and so before any request can change
  // a schedule; it is reset only after the listener stopped.
  run_options.on_schedule_changed = [this] {
    if (lifecycle_) lifecycle_->Wake();
  };
  runs_ = std::make_unique<RunService>(*store_, std::move(run_options),
                                       [dispatcher] { dispatcher->Notify(); });
  lifecycle_ = std::make_unique<LifecycleMonitor>(
      *store_, *runs_, LifecycleMonitorOptions{.heartbeat_timeout = options_.heartbeat_timeout});
  lifecycle_->Start();
  api_ = std::make_unique<ApiContext>(ApiContext{*store_, *runs_, options_.max_request_bytes});
  RegisterRoutes(http_, *api_, options_.max_request_bytes);

  listener_ = std::thread([this] {
    // The HTTP worker threads are started by listen_after_bind and inherit this name.
    core::NameCurrentThread("rh-http");
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
  if (lifecycle_) lifecycle_->Stop();
  if (dispatcher_) dispatcher_->Shutdown(delivery_timeout);
  if (dispatcher_) {
    dispatcher_.reset();
    // Sends cut short by the timeout are ended with the dispatcher: hand their deliveries back
    // so the next server sends them at once instead of when the leases expire.
    if (auto released = store_->ReleaseLeases(dispatcher_owner_); !released)
      std::fprintf(stderr, "runhook server: releasing this server's delivery leases failed: %s\n",
                   released.error().message.c_str());
  }
  api_.reset();
  lifecycle_.reset();
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
