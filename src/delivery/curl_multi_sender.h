// CurlMultiSender: the HttpSender on libcurl's multi interface.
//
// One multi handle keeps the connection cache, so requests to the same host reuse connections.
// Each request: only http and https, redirects not followed, TCP_NODELAY, the request's timeout
// for the whole attempt, method/headers/body as given. libcurl's own defaults that would change
// what the receiver sees (Accept, Expect: 100-continue, a form Content-Type) are suppressed
// unless the request sets those headers itself. The response body is read to the end; only its
// first kResponseExcerptLimit bytes are kept. A finished transfer's easy handle is reset
// (curl_easy_reset) and reused by a later request; at most 64 idle ones are kept.
//
// When the destination policy is enforced (destination_policy.h), every address libcurl is about
// to connect to (after resolving the URL's host) is checked first; a refused address gets no
// socket, and proxies from the environment (http_proxy, ...) are not used, so the check sees the
// destination itself. A transfer whose every address was refused completes as unsendable with
// the reasons ("not sent: destination 127.0.0.1 is loopback (127.0.0.0/8); allow it with
// --allow-net"); the dispatcher records that as a permanent failure.
//
// Thread safety: as HttpSender. Wakeup uses curl_multi_wakeup and is safe from any thread.
#pragma once

#include <memory>

#include "delivery/destination_policy.h"
#include "delivery/http_sender.h"

namespace runhook::delivery {

// Never returns null; throws std::runtime_error when libcurl cannot be initialized.
std::unique_ptr<HttpSender> MakeCurlMultiSender(DestinationPolicy policy = {});

}  // namespace runhook::delivery
