#include "test_receiver.h"

#include <httplib.h>
#include <zstd.h>

#include "core/history_encoding.h"

namespace runhook::testing {
namespace {

Json ErrorBody(const std::string& code, const std::string& message) {
  return Json{{"error", {{"code", code}, {"message", message}}}};
}

// The body as JSON; a compact history batch as the JSON body it stands for. A body with
// Content-Encoding: zstd is decompressed first (discarded when that fails).
Json ParseBody(const httplib::Request& request) {
  std::string decompressed = request.body;
  if (request.get_header_value("Content-Encoding") == "zstd") {
    const unsigned long long size =
        ZSTD_getFrameContentSize(request.body.data(), request.body.size());
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
      return Json(Json::value_t::discarded);
    decompressed.resize(size);
    const size_t written = ZSTD_decompress(decompressed.data(), decompressed.size(),
                                           request.body.data(), request.body.size());
    if (ZSTD_isError(written) || written != size) return Json(Json::value_t::discarded);
  }
  const std::string content_type = request.get_header_value("Content-Type");
  if (content_type != core::history_encoding::kContentType)
    return Json::parse(decompressed, nullptr, false);
  auto batch = core::history_encoding::DecodeBody(decompressed);
  if (!batch) return Json(Json::value_t::discarded);
  Json rows = Json::array();
  for (const core::HistoryRow& row : batch->rows)
    rows.push_back(Json{{"step", row.step}, {"values", row.values}});
  return Json{{"batch_id", batch->batch_id}, {"rows", std::move(rows)}};
}

}  // namespace

TestReceiver::TestReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(100000);
  server_->Post("/api/v1/runs", [this](const httplib::Request& request, httplib::Response& reply) {
    Json body = Json::parse(request.body, nullptr, false);
    Record({request.path, body, "runs", "POST", request.get_header_value("Content-Type")});
    std::unique_lock lock(mutex_);
    if (refuse_status_ != 0) {
      reply.status = refuse_status_;
      reply.set_content(ErrorBody(refuse_code_, refuse_message_).dump(), "application/json");
      return;
    }
    const std::optional<int64_t> resume_last_step = resume_last_step_;
    lock.unlock();
    const std::string entity = body.value("entity", ""), project = body.value("project", "");
    const std::string id = body.value("id", "");
    Json run = {
        {"id", id},           {"name", body.value("name", "")},
        {"entity", entity},   {"project", project},
        {"state", "created"}, {"url", url() + "/" + entity + "/" + project + "/runs/" + id}};
    Json answer = {{"run", run}, {"hooks", body.value("hooks", Json::array())}};
    reply.status = 201;
    if (resume_last_step) {
      answer["run"]["last_step"] = *resume_last_step;
      answer["resumed"] = true;
      reply.status = 200;
    }
    reply.set_content(answer.dump(), "application/json");
  });
  server_->Post(
      R"(/api/v1/runs/([^/]+)/([^/]+)/([^/]+)/(start|history|heartbeat|finish|alert))",
      [this](const httplib::Request& request, httplib::Response& reply) {
        const std::string verb = request.matches[4];
        Json body = ParseBody(request);
        Record({request.path, body, verb, "POST", request.get_header_value("Content-Type"),
                request.get_header_value("Content-Encoding")});
        std::unique_lock lock(mutex_);
        if (verb == "history") {
          changed_.wait(lock, [&] { return !hang_history_ || stopping_; });
          if (history_failures_left_ > 0) {
            --history_failures_left_;
            reply.status = history_failure_status_;
            reply.set_content(ErrorBody("unavailable", "try again").dump(), "application/json");
            return;
          }
          Json rows = body.value("rows", Json::array());
          if (acknowledged_batches_.insert(body.value("batch_id", "")).second)
            for (const auto& row : rows) acknowledged_rows_.push_back(row);
          changed_.notify_all();
          int64_t last_step = rows.empty() ? -1 : rows.back().value("step", -1);
          reply.set_content(
              Json{{"acknowledged", body.value("batch_id", "")}, {"last_step", last_step}}.dump(),
              "application/json");
        } else if (verb == "alert") {
          reply.set_content(R"({"fired": true, "event_id": 1})", "application/json");
        } else if (verb == "heartbeat") {
          reply.set_content(R"({"heartbeat_at": "2026-01-01T00:00:00Z"})", "application/json");
        } else {
          Json run = {{"id", std::string(request.matches[3])},
                      {"state", verb == "start" ? "running" : "finished"}};
          reply.set_content(Json{{"run", run}}.dump(), "application/json");
        }
      });
  // Changes after start: recorded and answered like the server ({"run": {...}}).
  const auto record_change = [this](const httplib::Request& request, httplib::Response& reply) {
    Record({request.path, ParseBody(request), request.matches[4], request.method,
            request.get_header_value("Content-Type")});
    reply.set_content(R"({"run": {}})", "application/json");
  };
  server_->Patch(R"(/api/v1/runs/([^/]+)/([^/]+)/([^/]+)/(config|summary))", record_change);
  server_->Put(R"(/api/v1/runs/([^/]+)/([^/]+)/([^/]+)/(metrics)/.+)", record_change);
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket accepts connections already (they wait in the backlog), but Server::stop only
  // works once the accept loop runs.
  Eventually([this] { return server_->is_running(); });
}

TestReceiver::~TestReceiver() { Stop(); }

std::string TestReceiver::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void TestReceiver::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void TestReceiver::RefuseRuns(int status, std::string code, std::string message) {
  std::lock_guard lock(mutex_);
  refuse_status_ = status;
  refuse_code_ = std::move(code);
  refuse_message_ = std::move(message);
}

void TestReceiver::ResumeRuns(int64_t last_step) {
  std::lock_guard lock(mutex_);
  resume_last_step_ = last_step;
}

void TestReceiver::FailHistory(int count, int status) {
  std::lock_guard lock(mutex_);
  history_failures_left_ = count;
  history_failure_status_ = status;
}

void TestReceiver::HangHistory(bool on) {
  {
    std::lock_guard lock(mutex_);
    hang_history_ = on;
  }
  changed_.notify_all();
}

void TestReceiver::Record(RecordedRequest request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  changed_.notify_all();
}

std::vector<RecordedRequest> TestReceiver::Requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> TestReceiver::Requests(const std::string& verb) const {
  std::vector<RecordedRequest> matching;
  for (auto& request : Requests())
    if (request.verb == verb) matching.push_back(std::move(request));
  return matching;
}

std::vector<Json> TestReceiver::HistoryRows() const {
  std::lock_guard lock(mutex_);
  return acknowledged_rows_;
}

bool TestReceiver::WaitFor(
    const std::function<bool(const std::vector<RecordedRequest>&)>& condition,
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return condition(requests_); });
}

bool TestReceiver::WaitForHistoryRows(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return acknowledged_rows_.size() >= count; });
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

bool HasVerb(const std::vector<RecordedRequest>& requests, const std::string& verb) {
  for (const auto& request : requests)
    if (request.verb == verb) return true;
  return false;
}

}  // namespace runhook::testing
