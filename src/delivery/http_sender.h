// HttpSender: sends many HTTP requests at once from one thread, the seam between the
// dispatcher and the network. CurlMultiSender (curl_multi_sender.h) is the real one.
//
// Thread safety: Wakeup may be called from any thread at any time while the sender lives; every
// other method only from the one thread that drives it (the dispatcher's sending thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "delivery/http_attempt.h"

namespace runhook::delivery {

struct Completion {
  uint64_t tag = 0;  // as given to Start
  HttpResult result;
};

class HttpSender {
 public:
  virtual ~HttpSender() = default;  // abandons whatever is still in flight

  // Begins sending `request`; a later Poll returns its completion with `tag`. Never blocks on
  // I/O. A request that cannot be sent (bad URL, refused scheme, a header with a line break)
  // completes with a transport error instead.
  virtual void Start(uint64_t tag, HttpRequest request) = 0;

  // Makes progress on all transfers, waiting at most `max_wait` for network activity or a
  // Wakeup, and returns the transfers that completed (possibly none).
  virtual std::vector<Completion> Poll(std::chrono::milliseconds max_wait) = 0;

  // Makes a Poll that is waiting (or the next one) return promptly.
  virtual void Wakeup() = 0;

  // Started and not yet returned by Poll.
  virtual size_t InFlight() const = 0;

  // Drops every transfer in flight without completing it; returns their tags.
  virtual std::vector<uint64_t> AbortAll() = 0;
};

}  // namespace runhook::delivery
