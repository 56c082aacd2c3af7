// A small blocking HTTP client for the SDK's calls to the runhook server (JSON POST, PATCH, PUT).
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
// Thread safety: PostJson, SendJson, Begin, Poll and Wait are called by one thread at a time (the
// owner: Init, then the shipping thread, then Finish after that thread has ended). LimitDeadline
// may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace runhook::sdk {

using SteadyClock = std::chrono::steady_clock;

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
  // "Authorization: Bearer" when not empty.
  HttpClient(std::string base_url, std::string api_key);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `json_body` to base_url + `path` with Content-Type application/json. Returns when the
  // response arrived, the transfer failed, or min(`deadline`, the abort deadline) passed (then
  // status is 0 and error says "timed out"). Never throws on network trouble.
  HttpResponse PostJson(std::string_view path, const std::string& json_body,
                        SteadyClock::time_point deadline) {
    return SendJson("POST", path, json_body, deadline);
  }
  // The same with another method carrying a JSON body ("PATCH", "PUT").
  HttpResponse SendJson(const char* method, std::string_view path, const std::string& json_body,
                        SteadyClock::time_point deadline);

  // Starts the same request without waiting for it. `json_body` is borrowed: it must stay alive
  // and unchanged until Wait returns. REQUIRES: no request begun and not yet waited for.
  void Begin(const char* method, std::string_view path, const std::string& json_body,
             SteadyClock::time_point deadline);
  // Advances the begun request without blocking; true once it has ended (answered, failed or past
  // its deadline): Wait then returns at once. REQUIRES: a request was begun.
  bool Poll();
  // Waits until the begun request has ended (as SendJson does) and returns its outcome; after it,
  // another request may begin. REQUIRES: a request was begun.
  HttpResponse Wait();

  // Lowers the deadline of every request, including one in flight, to at most `deadline`.
  // Thread-safe; wakes a waiting request so it notices promptly.
  void LimitDeadline(SteadyClock::time_point deadline);

  const std::string& base_url() const { return base_url_; }

 private:
  SteadyClock::time_point EffectiveDeadline(SteadyClock::time_point deadline) const;
  // One round of curl_multi_perform; true when the begun request ended (result_ is set).
  bool Advance();

  std::string base_url_;
  std::string api_key_;
  void* easy_ = nullptr;     // CURL*, owned
  void* multi_ = nullptr;    // CURLM*, owned; holds the connection cache
  void* headers_ = nullptr;  // curl_slist*, owned
  std::atomic<SteadyClock::rep> abort_deadline_ticks_;

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
