// A small blocking HTTP client for the SDK's calls to the runhook server (POST, PATCH, PUT with a
// JSON body, or another content type such as the compact history encoding).
//
// One libcurl easy handle driven through a multi handle, so the connection is kept alive and
// reused between requests (TCP_NODELAY on) and a request in flight can be cut short from another
// thread by lowering the abort deadline. Every request ends by its own deadline or the abort
// deadline, whichever is earlier, so callers can promise bounded waits.
//
// A request can also be driven in steps (Begin, then Poll while doing other work, then Wait), so
// the shipping thread can serialize the next batch while the server processes the one in flight.
// One request at a time: the connection is reused in order, so the server sees requests in the
// order they were begun.
//
// Compression: a history body (application/vnd.runhook.history.v1) of at least
// kMinCompressedBodyBytes is sent zstd-compressed (level 1, with Content-Encoding: zstd) when the
// client's Compression says so: kAuto compresses only when the server is not on a loopback
// address (there compression costs CPU and saves nothing), kZstd always, kNone never. The
// default comes from $RUNHOOK_COMPRESSION (auto, zstd or none; unset means auto). The caller's
// body is never changed (the spool keeps it uncompressed); the compressed copy and the zstd
// context are the client's, reused between requests.
//
// Thread safety: PostJson, Send, Begin, Poll and Wait are called by one thread at a time (the
// owner: Init, then the shipping thread, then Finish after that thread has ended). LimitDeadline
// may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace runhook::sdk {

using SteadyClock = std::chrono::steady_clock;

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr size_t kMinCompressedBodyBytes = 4096;

enum class Compression { kAuto, kZstd, kNone };

// Parses "auto", "zstd" or "none" ("" means auto). Throws runhook::Error naming the
// value and `source` (e.g. "$RUNHOOK_COMPRESSION") otherwise.
Compression ParseCompression(std::string_view value, std::string_view source);

// True when `base_url`'s host is a loopback address: localhost, 127.x.x.x or [::1].
bool IsLoopbackUrl(std::string_view base_url);

struct HttpResponse {
  long status = 0;    // HTTP status; 0 when no response arrived
  std::string body;   // response body (may be empty)
  std::string error;  // transport error text when status is 0, e.g. "Couldn't connect to server"
  bool unreachable = false;  // no connection could be made (refused, no route, unknown host)
  bool transport_ok() const { return status != 0; }
  bool success() const { return status >= 200 && status < 300; }
};

// What went wrong, for a person: the transport error, or "HTTP 409: <the server's message>"
// (the message from the API's {"error": {"message"}} body, else the start of the body).
std::string DescribeFailure(const HttpResponse& response);

class HttpClient {
 public:
  // `base_url` like "http://127.0.0.1:5717" (a trailing '/' is ignored). `api_key` is sent as
  // "Authorization: Bearer" when not empty. Compression is read from $RUNHOOK_COMPRESSION
  // (throws runhook::Error on a value other than auto, zstd or none).
  HttpClient(std::string base_url, std::string api_key);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `json_body` to base_url + `path` with Content-Type application/json. Returns when the
  // response arrived, the transfer failed, or min(`deadline`, the abort deadline) passed (then
  // status is 0 and error says "timed out"). Never throws on network trouble.
  HttpResponse PostJson(std::string_view path, const std::string& json_body,
                        SteadyClock::time_point deadline) {
    return Send("POST", path, json_body, deadline);
  }
  // The same with another method ("POST", "PATCH", "PUT") and a body of `content_type` (sent as
  // the Content-Type header; the Accept header stays application/json).
  HttpResponse Send(const char* method, std::string_view path, const std::string& body,
                    SteadyClock::time_point deadline,
                    std::string_view content_type = kJsonContentType);

  // Starts the same request without waiting for it. `body` is borrowed: it must stay alive and
  // unchanged until Wait returns. REQUIRES: no request begun and not yet waited for.
  void Begin(const char* method, std::string_view path, const std::string& body,
             SteadyClock::time_point deadline, std::string_view content_type = kJsonContentType);
  // Advances the begun request without blocking; true once it has ended (answered, failed or past
  // its deadline): Wait then returns at once. REQUIRES: a request was begun.
  bool Poll();
  // Waits until the begun request has ended (as Send does) and returns its outcome; after it,
  // another request may begin. REQUIRES: a request was begun.
  HttpResponse Wait();

  // Lowers the deadline of every request, including one in flight, to at most `deadline`.
  // Thread-safe; wakes a waiting request so it notices promptly.
  void LimitDeadline(SteadyClock::time_point deadline);

  const std::string& base_url() const { return base_url_; }
  // Overrides the compression read from the environment. Owner thread, between requests.
  void set_compression(Compression compression) { compression_ = compression; }
  // Whether a body of `content_type` and `size` bytes is sent compressed.
  bool Compresses(std::string_view content_type, size_t size) const;

 private:
  SteadyClock::time_point EffectiveDeadline(SteadyClock::time_point deadline) const;
  // One round of curl_multi_perform; true when the begun request ended (result_ is set).
  bool Advance();
  // The request headers for a body of `content_type` (built on first use, then kept).
  void* HeadersFor(std::string_view content_type, bool zstd_encoded);

  std::string base_url_;
  std::string api_key_;
  void* easy_ = nullptr;   // CURL*, owned
  void* multi_ = nullptr;  // CURLM*, owned; holds the connection cache
  struct HeaderList {
    std::string content_type;
    bool zstd_encoded;
    void* headers;  // curl_slist*, owned
  };
  std::vector<HeaderList> header_lists_;  // one per content type sent so far (a few)
  std::atomic<SteadyClock::rep> abort_deadline_ticks_;
  Compression compression_ = Compression::kAuto;
  bool loopback_ = false;                // base_url_ names a loopback host
  void* compression_context_ = nullptr;  // ZSTD_CCtx*, owned; created on first compression
  std::string compressed_body_;          // the body of the request in flight when compressed

  // The request begun and not yet waited for (owner thread only).
  bool in_flight_ = false;
  bool ended_ = false;
  int result_ = 0;  // CURLcode once ended_
  SteadyClock::time_point deadline_{};
  std::string url_;
  HttpResponse response_;
  char error_detail_[256] = "";  // CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE)
};

}  // namespace runhook::sdk
