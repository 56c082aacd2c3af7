#include "delivery/curl_multi_sender.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "delivery/destination_policy.h"
#include "delivery/outgoing_request.h"

namespace runhook::delivery {
namespace {

using SteadyClock = std::chrono::steady_clock;

// libcurl adds these unless told not to; a request that does not set them must not carry them.
constexpr const char* kSuppressedDefaults[] = {"Accept", "Expect", "Content-Type"};

void InitializeCurlOnce() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK)
    throw std::runtime_error(std::string("libcurl initialization failed: ") +
                             curl_easy_strerror(code));
}

// A plain loop: find_first_of with a set calls memchr once per character of `text`.
bool ContainsLineBreak(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char character) {
    return character == '\r' || character == '\n' || character == '\0';
  });
}

// One request in flight. Owned by the sender; its address is the easy handle's CURLOPT_PRIVATE.
struct Transfer {
  uint64_t tag = 0;
  HttpRequest request;
  const DestinationPolicy* policy = nullptr;  // the sender's; checked when enforced
  // Why addresses libcurl was about to connect to were refused (distinct reasons, in order), and
  // how many sockets were opened for allowed addresses.
  std::vector<std::string> refusals;
  int sockets_opened = 0;
  CURL* easy = nullptr;
  // CURLOPT_HTTPHEADER, built in place (BuildHeaderList): the lines, each ended by '\0', and
  // list nodes pointing into them, so a request's headers take two allocations, not two a line.
  std::string header_lines;
  std::vector<curl_slist> header_nodes;
  HttpResult result;
  SteadyClock::time_point started;
  char error_buffer[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

size_t KeepBodyPrefix(char* data, size_t size, size_t count, void* user_data) {
  auto* transfer = static_cast<Transfer*>(user_data);
  const size_t length = size * count;
  std::string& prefix = transfer->result.response_prefix;
  const size_t room = kResponseExcerptLimit - std::min(prefix.size(), kResponseExcerptLimit);
  prefix.append(data, std::min(length, room));
  return length;  // keep reading (and discarding) the rest
}

// Keeps the Retry-After header of the final response (an interim 1xx response starts over).
size_t KeepRetryAfter(char* data, size_t size, size_t count, void* user_data) {
  auto* transfer = static_cast<Transfer*>(user_data);
  const size_t length = size * count;
  std::string_view line(data, length);
  constexpr std::string_view kName = "retry-after:";
  if (line.substr(0, 5) == "HTTP/") {
    transfer->result.retry_after.clear();
  } else if (line.size() >= kName.size() &&
             HeaderNameEquals(line.substr(0, kName.size() - 1),
                              kName.substr(0, kName.size() - 1)) &&
             line[kName.size() - 1] == ':') {
    std::string_view value = line.substr(kName.size());
    const size_t first = value.find_first_not_of(" \t");
    const size_t last = value.find_last_not_of(" \t\r\n");
    transfer->result.retry_after =
        first == std::string_view::npos ? "" : std::string(value.substr(first, last - first + 1));
  }
  return length;
}

// CURLOPT_OPENSOCKETFUNCTION when the destination policy is enforced: libcurl calls it with each
// resolved address before connecting. A refused address gets no socket (libcurl then tries the
// next address, if any) and its reason is kept for the attempt's error.
curl_socket_t OpenAllowedSocket(void* user_data, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user_data);
  std::optional<IpAddress> ip = IpAddressFromSockaddr(&address->addr, address->addrlen);
  std::string refusal =
      ip ? CheckDestination(*transfer->policy, *ip)
         : "destination address family " + std::to_string(address->family) + " is not IPv4 or IPv6";
  if (!refusal.empty()) {
    auto& refusals = transfer->refusals;
    if (std::find(refusals.begin(), refusals.end(), refusal) == refusals.end())
      refusals.push_back(std::move(refusal));
    return CURL_SOCKET_BAD;
  }
  const int descriptor =
      socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (descriptor < 0) return CURL_SOCKET_BAD;
  ++transfer->sockets_opened;
  return descriptor;
}

std::string JoinRefusals(const std::vector<std::string>& refusals) {
  std::string joined;
  for (const std::string& refusal : refusals) joined += (joined.empty() ? "" : "; ") + refusal;
  return joined;
}

// Failures no later attempt can fix: the request itself is wrong, not the network or receiver.
bool IsUnsendable(CURLcode code) {
  return code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT;
}

// Why `request` cannot be sent, or "" when it can.
std::string FindRequestProblem(const HttpRequest& request) {
  if (request.method.empty()) return "the request has no method";
  for (const auto& [name, value] : request.headers) {
    const bool has_separator = std::any_of(name.begin(), name.end(), [](char character) {
      return character == ':' || character == ' ' || character == '\t';
    });
    if (name.empty() || has_separator || ContainsLineBreak(name))
      return "header name '" + name + "' is not a valid HTTP field name";
    if (ContainsLineBreak(value)) return "header '" + name + "' contains a line break";
  }
  return "";
}

// Fills `transfer`'s header lines and nodes from its request; returns the list's head (null when
// empty). REQUIRES: no name or value contains '\0' (FindRequestProblem).
curl_slist* BuildHeaderList(Transfer& transfer) {
  const HttpRequest& request = transfer.request;
  std::string& lines = transfer.header_lines;
  size_t line_count = 0;
  size_t size = 0;
  for (const auto& [name, value] : request.headers) size += name.size() + value.size() + 3;
  for (const char* name : kSuppressedDefaults) size += std::strlen(name) + 2;
  lines.reserve(size);
  for (const auto& [name, value] : request.headers) {
    lines.append(name);
    if (value.empty()) {
      lines.push_back(';');  // "Name;" sends an empty value
    } else {
      lines.append(": ");
      lines.append(value);
    }
    lines.push_back('\0');
    ++line_count;
  }
  for (const char* name : kSuppressedDefaults) {
    bool set_by_request = false;
    for (const auto& header : request.headers)
      set_by_request = set_by_request || HeaderNameEquals(header.first, name);
    if (set_by_request) continue;
    lines.append(name);
    lines.append(":", 2);  // "Name:" removes libcurl's default; the '\0' ends the line
    ++line_count;
  }
  std::vector<curl_slist>& nodes = transfer.header_nodes;
  nodes.resize(line_count);
  char* line = lines.data();
  for (size_t index = 0; index < line_count; ++index) {
    nodes[index].data = line;
    nodes[index].next = index + 1 < line_count ? &nodes[index + 1] : nullptr;
    line += std::strlen(line) + 1;
  }
  return nodes.empty() ? nullptr : nodes.data();
}

void ConfigureMethodAndBody(CURL* easy, const HttpRequest& request) {
  const std::string& method = request.method;
  if (method == "GET" && request.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    return;
  }
  const bool sends_body =
      !request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (sends_body) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
}

// libcurl's message, plus the operating system's reason when libcurl did not already say it
// ("... Couldn't connect to server (Connection refused)").
std::string DescribeFailure(const Transfer& transfer, CURLcode code) {
  std::string message =
      transfer.error_buffer[0] != '\0' ? transfer.error_buffer : curl_easy_strerror(code);
  long os_error = 0;
  if (curl_easy_getinfo(transfer.easy, CURLINFO_OS_ERRNO, &os_error) == CURLE_OK && os_error != 0) {
    const std::string reason = std::strerror(static_cast<int>(os_error));
    if (message.find(reason) == std::string::npos) message += " (" + reason + ")";
  }
  return message;
}

class CurlMultiSender final : public HttpSender {
 public:
  explicit CurlMultiSender(DestinationPolicy policy) : policy_(std::move(policy)) {
    InitializeCurlOnce();
    multi_ = curl_multi_init();
    if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  }

  ~CurlMultiSender() override {
    AbortAll();
    for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
  }

  void Start(uint64_t tag, HttpRequest request) override {
    auto transfer = std::make_unique<Transfer>();
    transfer->tag = tag;
    transfer->request = std::move(request);
    transfer->policy = &policy_;
    transfer->started = SteadyClock::now();
    transfer->result.started_at_ms = core::NowUnixMillis();
    if (std::string problem = FindRequestProblem(transfer->request); !problem.empty()) {
      FailImmediately(*transfer, problem, /*unsendable=*/true);
      return;
    }
    transfer->easy = TakeHandle();
    if (transfer->easy == nullptr) {
      FailImmediately(*transfer, "curl_easy_init failed", /*unsendable=*/false);
      return;
    }
    Configure(*transfer);
    if (CURLMcode code = curl_multi_add_handle(multi_, transfer->easy); code != CURLM_OK) {
      FailImmediately(*transfer,
                      std::string("curl_multi_add_handle failed: ") + curl_multi_strerror(code),
                      /*unsendable=*/false);
      return;
    }
    CURL* easy = transfer->easy;
    transfers_.emplace(easy, std::move(transfer));
  }

  std::vector<Completion> Poll(std::chrono::milliseconds max_wait) override {
    Drive();
    if (ready_.empty()) {
      const int wait_ms = static_cast<int>(
          std::clamp<int64_t>(max_wait.count(), 0, std::numeric_limits<int>::max()));
      curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
      Drive();
    }
    return std::exchange(ready_, {});
  }

  void Wakeup() override { curl_multi_wakeup(multi_); }

  size_t InFlight() const override { return transfers_.size() + ready_.size(); }

  std::vector<uint64_t> AbortAll() override {
    std::vector<uint64_t> tags;
    for (auto& [easy, transfer] : transfers_) {
      curl_multi_remove_handle(multi_, easy);
      ReturnHandle(*transfer);
      tags.push_back(transfer->tag);
    }
    transfers_.clear();
    for (const Completion& completion : ready_) tags.push_back(completion.tag);
    ready_.clear();
    return tags;
  }

 private:
  // At most this many finished easy handles are kept for reuse (the dispatcher's default
  // max_in_flight), so a steady stream of requests allocates none.
  static constexpr size_t kIdleHandleLimit = 64;

  // A handle from the idle pool, or a new one; null when libcurl cannot make one.
  CURL* TakeHandle() {
    if (idle_handles_.empty()) return curl_easy_init();
    CURL* easy = idle_handles_.back();
    idle_handles_.pop_back();
    return easy;
  }

  // Takes `transfer`'s handle (already removed from the multi handle) back into the pool,
  // reset to libcurl's defaults, or frees it when the pool is full.
  void ReturnHandle(Transfer& transfer) {
    CURL* easy = std::exchange(transfer.easy, nullptr);
    if (idle_handles_.size() >= kIdleHandleLimit) {
      curl_easy_cleanup(easy);
      return;
    }
    curl_easy_reset(easy);
    idle_handles_.push_back(easy);
  }

  void Configure(Transfer& transfer) {
    CURL* easy = transfer.easy;
    const HttpRequest& request = transfer.request;
    curl_slist* header_list = BuildHeaderList(transfer);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &KeepBodyPrefix);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &KeepRetryAfter);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
    ConfigureMethodAndBody(easy, request);
    if (policy_.enforced()) {
      // The check must see the destination's own addresses: no proxy from the environment.
      curl_easy_setopt(easy, CURLOPT_PROXY, "");
      curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &OpenAllowedSocket);
      curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &transfer);
    }
  }

  // `unsendable`: the request itself is at fault, so sending it again cannot help.
  void FailImmediately(Transfer& transfer, std::string error, bool unsendable) {
    transfer.result.transport_error = std::move(error);
    transfer.result.unsendable = unsendable;
    ready_.push_back({transfer.tag, std::move(transfer.result)});
  }

  // Runs libcurl and moves finished transfers to ready_.
  void Drive() {
    if (transfers_.empty()) return;
    int running = 0;
    curl_multi_perform(multi_, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      auto found = transfers_.find(message->easy_handle);
      if (found == transfers_.end()) continue;
      Finish(*found->second, message->data.result);
      curl_multi_remove_handle(multi_, message->easy_handle);
      ReturnHandle(*found->second);
      transfers_.erase(found);
    }
  }

  void Finish(Transfer& transfer, CURLcode code) {
    HttpResult& result = transfer.result;
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    result.status_code = static_cast<int>(status);
    result.latency_ms =
        std::chrono::duration<double, std::milli>(SteadyClock::now() - transfer.started).count();
    if (code != CURLE_OK && !transfer.refusals.empty() && transfer.sockets_opened == 0) {
      // Every address was refused: nothing was sent, and sending again cannot help.
      result.transport_error = "not sent: " + JoinRefusals(transfer.refusals);
      result.unsendable = true;
    } else if (code != CURLE_OK) {
      result.transport_error = DescribeFailure(transfer, code);
      if (!transfer.refusals.empty())
        result.transport_error +=
            " (other addresses refused: " + JoinRefusals(transfer.refusals) + ")";
      result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      result.unsendable = IsUnsendable(code);
    }
    ready_.push_back({transfer.tag, std::move(result)});
  }

  const DestinationPolicy policy_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::vector<Completion> ready_;    // completed, not yet returned by Poll
  std::vector<CURL*> idle_handles_;  // reset, not in the multi handle; owned
};

}  // namespace

std::unique_ptr<HttpSender> MakeCurlMultiSender(DestinationPolicy policy) {
  return std::make_unique<CurlMultiSender>(std::move(policy));
}

}  // namespace runhook::delivery
