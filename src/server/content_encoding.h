// The request body as the handlers parse it, after its Content-Encoding: identity (or none) is
// the body as received; zstd is decompressed here, never to more than the server's request body
// limit, so a small compressed body cannot make the server allocate more than an uncompressed one
// could. Pure function of its arguments; thread-safe.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

namespace runhook::server {

// Returns the decoded body: `request.body` itself for identity, else `decoded` filled with the
// decompressed bytes. On failure writes the API error to `response` and returns nullptr: 415 for
// a Content-Encoding other than identity or zstd (named), 413 when the decompressed body would
// exceed `max_bytes` (named), 400 "request body: Content-Encoding zstd: <zstd's error>" for a
// corrupt or truncated frame.
const std::string* DecodeRequestBody(const httplib::Request& request, size_t max_bytes,
                                     std::string& decoded, httplib::Response& response);

}  // namespace runhook::server
