// Thin handlers for runs: validate, convert, call RunService or the store, answer JSON.
#include <limits>
#include <sstream>

#include "core/clock.h"
#include "core/hook.h"
#include "core/run_state.h"
#include "server/content_encoding.h"
#include "server/handlers.h"
#include "server/history_batch_scanner.h"
#include "server/http_responses.h"
#include "server/request_parsing.h"
#include "server/run_page.h"

namespace runhook::server {
namespace {

Result<core::RunKey> RunKeyFromPath(const httplib::Request& request) {
  return ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
}

// A hook as the API shows it. `secret` is a space-separated list of secret names and whsec_
// values; names are shown, values never are.
Json HookToApiJson(const core::HookSpec& hook) {
  Json json = core::HookToJson(hook);
  std::istringstream items(hook.secret);
  std::string shown;
  for (std::string item; items >> item;) {
    if (item.rfind("whsec_", 0) == 0) item = "whsec_********";
    shown += (shown.empty() ? "" : " ") + item;
  }
  json["secret"] = shown;
  return json;
}

Json HooksToApiJson(const std::vector<core::HookSpec>& hooks) {
  Json list = Json::array();
  for (const auto& hook : hooks) list.push_back(HookToApiJson(hook));
  return list;
}

Json RunJson(const ApiContext& api, const core::RunRecord& run) {
  return core::RunToJson(run, api.runs.public_url(), api.runs.Now());
}

void SendRun(const ApiContext& api, httplib::Response& response,
             const Result<core::RunRecord>& run) {
  if (!run) return SendError(response, run.error());
  SendJson(response, 200, Json{{"run", RunJson(api, run.value())}});
}

}  // namespace

void HandleCreateRun(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response) {
  auto body = ParseJsonObject(request.body);
  if (!body) return SendError(response, body.error());
  auto parsed = ParseCreateRunRequest(*body);
  if (!parsed) return SendError(response, parsed.error());
  auto created = api.runs.CreateRun(std::move(parsed.value()));
  if (!created) return SendError(response, created.error());
  Json answer{{"run", RunJson(api, created->run)}, {"hooks", HooksToApiJson(created->hooks)}};
  if (created->resumed) answer["resumed"] = true;
  SendJson(response, created->resumed ? 200 : 201, answer);
}

void HandleAlert(const ApiContext& api, const httplib::Request& request,
                 httplib::Response& response) {
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  auto body = ParseJsonObject(request.body);
  if (!body) return SendError(response, body.error());
  auto alert = ParseAlertRequest(*body);
  if (!alert) return SendError(response, alert.error());
  auto outcome = api.runs.Alert(*key, *alert);
  if (!outcome) return SendError(response, outcome.error());
  SendJson(response, 200,
           Json{{"fired", outcome->fired},
                {"event_id", outcome->event_id ? Json(*outcome->event_id) : Json(nullptr)}});
}

void HandleGetRun(const ApiContext& api, const httplib::Request& request,
                  httplib::Response& response) {
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  auto run = api.store.GetRun(*key);
  if (!run) return SendError(response, NameRunIfNotFound(run.error(), *key));
  auto hooks = api.store.GetHooks(*key);
  if (!hooks) return SendError(response, hooks.error());
  SendJson(response, 200, Json{{"run", RunJson(api, *run)}, {"hooks", HooksToApiJson(*hooks)}});
}

void HandleListRuns(const ApiContext& api, const httplib::Request& request,
                    httplib::Response& response) {
  constexpr int64_t kMaxRuns = 10'000;
  const auto entity = StringParam(request, "entity");
  const auto project = StringParam(request, "project");
  if (!entity || entity->empty() || !project || project->empty())
    return SendError(response, MakeError(ErrorCode::kInvalidArgument,
                                         "query parameters 'entity' and 'project' are required "
                                         "(GET /api/v1/runs?entity=E&project=P)"));
  const std::string state = StringParam(request, "state").value_or("");
  if (!state.empty() && !core::ParseRunState(state))
    return SendError(response, MakeError(ErrorCode::kInvalidArgument,
                                         "query parameter 'state': unknown state '" + state +
                                             "' (use created, running, finished or failed)"));
  auto limit = IntegerParam(request, "limit", 1, kMaxRuns);
  if (!limit) return SendError(response, limit.error());
  auto runs = api.store.ListRuns(*entity, *project, state, static_cast<int>(limit->value_or(1000)));
  if (!runs) return SendError(response, runs.error());
  Json answer = Json::array();
  for (const core::RunRecord& run : *runs) answer.push_back(RunJson(api, run));
  SendJson(response, 200, Json{{"runs", std::move(answer)}});
}

void HandleStartRun(const ApiContext& api, const httplib::Request& request,
                    httplib::Response& response) {
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  auto body = ParseJsonObject(request.body);
  if (!body) return SendError(response, body.error());
  SendRun(api, response, api.runs.StartRun(*key));
}

void HandleFinishRun(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response) {
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  auto body = ParseJsonObject(request.body);
  if (!body) return SendError(response, body.error());
  auto finish = ParseFinishRequest(*body);
  if (!finish) return SendError(response, finish.error());
  SendRun(api, response, api.runs.FinishRun(*key, *finish));
}

void HandleHeartbeat(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response) {
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  auto run = api.runs.Heartbeat(*key);
  if (!run) return SendError(response, run.error());
  SendJson(response, 200,
           Json{{"heartbeat_at", core::FormatIso8601(run->heartbeat_at_ms)},
                {"state", core::ToString(run->state)}});
}

void HandleAppendHistory(const ApiContext& api, const httplib::Request& request,
                         httplib::Response& response) {
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  std::string decompressed;
  const std::string* body =
      DecodeRequestBody(request, api.max_request_bytes, decompressed, response);
  if (body == nullptr) return;
  auto batch = ParseHistoryRequestBody(request.get_header_value("Content-Type"), *body);
  if (!batch) return SendError(response, batch.error());
  auto ack = api.runs.AppendHistory(*key, *batch);
  if (!ack) return SendError(response, ack.error());
  SendJson(response, 200, Json{{"acknowledged", ack->batch_id}, {"last_step", ack->last_step}});
}

void HandleGetHistory(const ApiContext& api, const httplib::Request& request,
                      httplib::Response& response) {
  constexpr int64_t kMaxStep = std::numeric_limits<int64_t>::max();
  auto key = RunKeyFromPath(request);
  if (!key) return SendError(response, key.error());
  auto min_step = IntegerParam(request, "min_step", 0, kMaxStep);
  if (!min_step) return SendError(response, min_step.error());
  auto max_step = IntegerParam(request, "max_step", 0, kMaxStep);
  if (!max_step) return SendError(response, max_step.error());
  auto limit = IntegerParam(request, "limit", 1, 1'000'000);
  if (!limit) return SendError(response, limit.error());
  if (auto run = api.store.GetRun(*key); !run)
    return SendError(response, NameRunIfNotFound(run.error(), *key));
  auto rows = api.store.GetHistory(*key, min_step->value_or(0), max_step->value_or(kMaxStep),
                                   limit->value_or(100'000));
  if (!rows) return SendError(response, rows.error());
  Json list = Json::array();
  for (const auto& row : *rows) list.push_back(Json{{"step", row.step}, {"values", row.values}});
  SendJson(response, 200, Json{{"rows", std::move(list)}});
}

}  // namespace runhook::server
