#include "sdk/http_client.h"

#include <curl/curl.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "core/history_encoding.h"
#include "runhook/runhook.h"

#include <nlohmann/json.hpp>

namespace runhook::sdk {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{2000};
// Upper bound of one wait inside curl_multi_poll; LimitDeadline wakes it earlier.
constexpr std::chrono::milliseconds kMaxPollWait{1000};
// zstd level 1: the fastest standard level; bench/README.md (ingestion) has its ratio and speed
// on a history body.
constexpr int kCompressionLevel = 1;

void InitializeCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendToString(char* data, size_t size, size_t count, void* user_data) {
  static_cast<std::string*>(user_data)->append(data, size * count);
  return size * count;
}

long MillisecondsUntil(SteadyClock::time_point deadline) {
  auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return std::max<long>(1, remaining.count());
}

}  // namespace

Compression ParseCompression(std::string_view value, std::string_view source) {
  if (value.empty() || value == "auto") return Compression::kAuto;
  if (value == "zstd") return Compression::kZstd;
  if (value == "none") return Compression::kNone;
  throw Error(std::string(source) + " '" + std::string(value) +
              "' is not a compression (use auto, zstd or none)");
}

bool IsLoopbackUrl(std::string_view base_url) {
  if (auto scheme_end = base_url.find("://"); scheme_end != std::string_view::npos)
    base_url.remove_prefix(scheme_end + 3);
  if (auto at = base_url.find('@'); at != std::string_view::npos) base_url.remove_prefix(at + 1);
  std::string_view host;
  if (base_url.starts_with('[')) {
    host = base_url.substr(0, base_url.find(']') + 1);
    return host == "[::1]";
  }
  host = base_url.substr(0, base_url.find_first_of(":/"));
  const bool dotted_digits = host.find_first_not_of("0123456789.") == std::string_view::npos;
  return host == "localhost" || (host.starts_with("127.") && dotted_digits);
}

std::string DescribeFailure(const HttpResponse& response) {
  if (!response.transport_ok()) return response.error;
  std::string detail;
  auto parsed = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object() &&
      parsed["error"].value("message", nlohmann::json()).is_string()) {
    detail = parsed["error"]["message"].get<std::string>();
  } else {
    detail = response.body.substr(0, 200);
  }
  std::string text = "HTTP " + std::to_string(response.status);
  if (!detail.empty()) text += ": " + detail;
  return text;
}

HttpClient::HttpClient(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)),
      api_key_(std::move(api_key)),
      abort_deadline_ticks_(SteadyClock::time_point::max().time_since_epoch().count()) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  const char* compression = std::getenv("RUNHOOK_COMPRESSION");
  compression_ = ParseCompression(compression ? compression : "", "$RUNHOOK_COMPRESSION");
  loopback_ = IsLoopbackUrl(base_url_);
  InitializeCurlOnce();
  CURL* easy = curl_easy_init();
  easy_ = easy;
  multi_ = curl_multi_init();
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
}

HttpClient::~HttpClient() {
  if (in_flight_ && result_ != -1)
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), static_cast<CURL*>(easy_));
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  curl_easy_cleanup(static_cast<CURL*>(easy_));
  for (const HeaderList& list : header_lists_)
    curl_slist_free_all(static_cast<curl_slist*>(list.headers));
  ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(compression_context_));
}

bool HttpClient::Compresses(std::string_view content_type, size_t size) const {
  if (content_type != core::history_encoding::kContentType || size < kMinCompressedBodyBytes)
    return false;
  switch (compression_) {
    case Compression::kZstd:
      return true;
    case Compression::kNone:
      return false;
    case Compression::kAuto:
      return !loopback_;
  }
  return false;
}

void HttpClient::LimitDeadline(SteadyClock::time_point deadline) {
  auto ticks = deadline.time_since_epoch().count();
  auto current = abort_deadline_ticks_.load();
  while (ticks < current && !abort_deadline_ticks_.compare_exchange_weak(current, ticks)) {
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

SteadyClock::time_point HttpClient::EffectiveDeadline(SteadyClock::time_point deadline) const {
  SteadyClock::time_point abort_at{SteadyClock::duration(abort_deadline_ticks_.load())};
  return std::min(deadline, abort_at);
}

void* HttpClient::HeadersFor(std::string_view content_type, bool zstd_encoded) {
  for (const HeaderList& list : header_lists_)
    if (list.content_type == content_type && list.zstd_encoded == zstd_encoded) return list.headers;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + std::string(content_type)).c_str());
  if (zstd_encoded) headers = curl_slist_append(headers, "Content-Encoding: zstd");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  headers = curl_slist_append(headers, "User-Agent: runhook-sdk/" RUNHOOK_VERSION);
  if (!api_key_.empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + api_key_).c_str());
  header_lists_.push_back(HeaderList{std::string(content_type), zstd_encoded, headers});
  return headers;
}

HttpResponse HttpClient::Send(const char* method, std::string_view path, const std::string& body,
                              SteadyClock::time_point deadline, std::string_view content_type) {
  Begin(method, path, body, deadline, content_type);
  return Wait();
}

void HttpClient::Begin(const char* method, std::string_view path, const std::string& body,
                       SteadyClock::time_point deadline, std::string_view content_type) {
  in_flight_ = true;
  ended_ = false;
  result_ = CURLE_OK;
  deadline_ = deadline;
  response_ = HttpResponse();
  if (SteadyClock::now() >= EffectiveDeadline(deadline)) {
    response_.error = "timed out before the request was sent";
    ended_ = true;
    result_ = -1;  // not a CURLcode: response_ is complete already
    return;
  }
  CURL* easy = static_cast<CURL*>(easy_);
  url_.assign(base_url_).append(path);
  const long total_ms = MillisecondsUntil(EffectiveDeadline(deadline));
  curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
  // CURLOPT_POST stays on (a body is sent); another method only renames the request.
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST,
                   std::string_view(method) == "POST" ? nullptr : method);
  const std::string* sent = &body;
  if (Compresses(content_type, body.size())) {
    if (compression_context_ == nullptr) {
      ZSTD_CCtx* context = ZSTD_createCCtx();
      ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, kCompressionLevel);
      compression_context_ = context;
    }
    compressed_body_.resize(ZSTD_compressBound(body.size()));
    const size_t size =
        ZSTD_compress2(static_cast<ZSTD_CCtx*>(compression_context_), compressed_body_.data(),
                       compressed_body_.size(), body.data(), body.size());
    // compressBound room cannot overflow; on any other error the body goes uncompressed.
    if (!ZSTD_isError(size)) {
      compressed_body_.resize(size);
      sent = &compressed_body_;
    }
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, HeadersFor(content_type, sent != &body));
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, sent->data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(sent->size()));
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response_.body);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_ms);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min<long>(total_ms, kConnectTimeout.count()));
  static_assert(sizeof error_detail_ >= CURL_ERROR_SIZE);
  error_detail_[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_detail_);
  curl_multi_add_handle(static_cast<CURLM*>(multi_), easy);
  Advance();  // writes the request out now, while the caller does other work
}

bool HttpClient::Advance() {
  if (ended_) return true;
  CURL* easy = static_cast<CURL*>(easy_);
  CURLM* multi = static_cast<CURLM*>(multi_);
  int running = 0;
  curl_multi_perform(multi, &running);
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
      result_ = message->data.result;
      ended_ = true;
    }
  }
  if (!ended_ && SteadyClock::now() >= EffectiveDeadline(deadline_)) {
    result_ = CURLE_OPERATION_TIMEDOUT;
    ended_ = true;
  }
  return ended_;
}

bool HttpClient::Poll() { return Advance(); }

HttpResponse HttpClient::Wait() {
  CURL* easy = static_cast<CURL*>(easy_);
  CURLM* multi = static_cast<CURLM*>(multi_);
  while (!Advance()) {
    const auto wait = std::min<SteadyClock::duration>(
        EffectiveDeadline(deadline_) - SteadyClock::now(), kMaxPollWait);
    const int wait_ms = static_cast<int>(
        std::max<long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
  in_flight_ = false;
  if (result_ == -1) return std::move(response_);  // never sent
  curl_multi_remove_handle(multi, easy);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
  const auto result = static_cast<CURLcode>(result_);
  if (result == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response_.status);
  } else {
    response_.status = 0;
    response_.unreachable = result == CURLE_COULDNT_CONNECT ||
                            result == CURLE_COULDNT_RESOLVE_HOST ||
                            result == CURLE_COULDNT_RESOLVE_PROXY;
    if (result == CURLE_OPERATION_TIMEDOUT)
      response_.error = "timed out";
    else
      response_.error = error_detail_[0] != '\0' ? error_detail_ : curl_easy_strerror(result);
  }
  return std::move(response_);
}

}  // namespace runhook::sdk
