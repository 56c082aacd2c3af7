#include "sdk/crash_report.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace runhook::sdk {
namespace {

constexpr int kSlotCount = 8;
constexpr int kTimeoutMilliseconds = 2000;

enum SlotState : int { kFree = 0, kPreparing = 1, kArmed = 2, kSending = 3 };

struct Slot {
  std::atomic<int> state{kFree};
  sockaddr_storage address;
  socklen_t address_length;
  char head[2048];  // "POST <path> HTTP/1.1\r\nHost: ...\r\n...Content-Length: " (NUL-terminated)
};

Slot slots[kSlotCount];

// A fixed buffer filled with async-signal-safe appends; overflow is cut off.
struct Text {
  char* data;
  size_t capacity;
  size_t length = 0;
  void Append(const char* text) {
    while (*text != '\0' && length + 1 < capacity) data[length++] = *text++;
    data[length] = '\0';
  }
  void AppendNumber(long value) {
    char digits[24];
    int count = 0;
    const bool negative = value < 0;
    unsigned long magnitude = negative ? 0UL - static_cast<unsigned long>(value) : value;
    do {
      digits[count++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    if (negative) Append("-");
    char one[2] = {0, 0};
    while (count > 0) {
      one[0] = digits[--count];
      Append(one);
    }
  }
};

const char* SignalName(int signal_number) {
  switch (signal_number) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    default:
      return "signal";
  }
}

// Splits "http://host:port/prefix" into host, port and prefix; false for anything else.
bool SplitHttpUrl(const std::string& url, std::string& host, std::string& port,
                  std::string& prefix) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  const size_t authority_start = scheme.size();
  const size_t slash = url.find('/', authority_start);
  const std::string authority = url.substr(authority_start, slash - authority_start);
  prefix = slash == std::string::npos ? "" : url.substr(slash);
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    host = authority.substr(1, close - 1);
    port = close + 1 < authority.size() && authority[close + 1] == ':' ? authority.substr(close + 2)
                                                                       : "80";
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  }
  return !host.empty() && !port.empty();
}

// Waits until `descriptor` is ready for `events` or the timeout passes.
bool WaitReady(int descriptor, short events) {
  pollfd entry{descriptor, events, 0};
  return poll(&entry, 1, kTimeoutMilliseconds) == 1 && (entry.revents & events) != 0;
}

void Send(const Slot& slot, int signal_number) {
  char body_buffer[512];
  Text body{body_buffer, sizeof body_buffer};
  body.Append("{\"exit_code\": ");
  body.AppendNumber(128 + signal_number);
  body.Append(", \"reason\": \"crashed\", \"error\": {\"type\": \"");
  body.Append(SignalName(signal_number));
  body.Append("\", \"message\": \"the process received the fatal signal ");
  body.Append(SignalName(signal_number));
  body.Append(" (");
  body.AppendNumber(signal_number);
  body.Append(")\"}}");
  char request_buffer[3072];
  Text request{request_buffer, sizeof request_buffer};
  request.Append(slot.head);
  request.AppendNumber(static_cast<long>(body.length));
  request.Append("\r\n\r\n");
  request.Append(body.data);

  const int descriptor = socket(slot.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (descriptor < 0) return;
  fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK);
  const auto* address = reinterpret_cast<const sockaddr*>(&slot.address);
  bool connected = connect(descriptor, address, slot.address_length) == 0;
  if (!connected && errno == EINPROGRESS && WaitReady(descriptor, POLLOUT)) {
    int error = 0;
    socklen_t length = sizeof error;
    connected = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  size_t sent = 0;
  while (connected && sent < request.length) {
    const ssize_t written =
        send(descriptor, request.data + sent, request.length - sent, MSG_NOSIGNAL);
    if (written > 0) {
      sent += static_cast<size_t>(written);
    } else if (written < 0 && errno == EAGAIN && WaitReady(descriptor, POLLOUT)) {
      continue;
    } else {
      break;
    }
  }
  // Wait for the start of the answer: the server has then recorded the state.
  char answer[64];
  if (sent == request.length && WaitReady(descriptor, POLLIN))
    (void)!read(descriptor, answer, sizeof answer);
  close(descriptor);
}

}  // namespace

int ArmCrashReport(const std::string& server_url, const std::string& finish_path,
                   const std::string& api_key) {
  std::string host, port, prefix;
  if (!SplitHttpUrl(server_url, host, port, prefix)) return -1;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return -1;
  std::string head = "POST " + prefix + finish_path + " HTTP/1.1\r\nHost: " + host + ":" + port +
                     "\r\nContent-Type: application/json\r\nConnection: close\r\n";
  if (!api_key.empty()) head += "Authorization: Bearer " + api_key + "\r\n";
  head += "Content-Length: ";
  int chosen = -1;
  if (head.size() < sizeof slots[0].head && found->ai_addrlen <= sizeof(sockaddr_storage)) {
    for (int index = 0; index < kSlotCount && chosen < 0; ++index) {
      int expected = kFree;
      if (!slots[index].state.compare_exchange_strong(expected, kPreparing)) continue;
      Slot& slot = slots[index];
      std::memcpy(&slot.address, found->ai_addr, found->ai_addrlen);
      slot.address_length = found->ai_addrlen;
      std::memcpy(slot.head, head.c_str(), head.size() + 1);
      slot.state.store(kArmed, std::memory_order_release);
      chosen = index;
    }
  }
  freeaddrinfo(found);
  return chosen;
}

void DisarmCrashReport(int slot) {
  if (slot < 0 || slot >= kSlotCount) return;
  int expected = kArmed;
  slots[slot].state.compare_exchange_strong(expected, kFree);
}

void SendCrashReports(int signal_number) {
  const int saved_errno = errno;
  for (auto& slot : slots) {
    int expected = kArmed;
    if (!slot.state.compare_exchange_strong(expected, kSending)) continue;
    Send(slot, signal_number);
  }
  errno = saved_errno;
}

}  // namespace runhook::sdk
