// Thin handlers for the changes after start: PATCH RUN/config, PATCH RUN/summary and
// PUT RUN/metrics/{name}. Each answers 200 {"run": RUN_JSON}.
#include <optional>
#include <utility>

#include "server/handlers.h"
#include "server/http_responses.h"
#include "server/request_parsing.h"
#include "server/run_summary.h"

namespace runhook::server {
namespace {

// The run key of the path and the JSON object body, or an error sent already (nullopt).
std::optional<std::pair<core::RunKey, Json>> ReadRunRequest(const httplib::Request& request,
                                                            httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) {
    SendError(response, key.error());
    return std::nullopt;
  }
  auto body = ParseJsonObject(request.body);
  if (!body) {
    SendError(response, body.error());
    return std::nullopt;
  }
  return std::make_pair(std::move(key).value(), std::move(body).value());
}

void SendRunOrError(const ApiContext& api, httplib::Response& response,
                    const Result<core::RunRecord>& run) {
  if (!run) return SendError(response, run.error());
  SendJson(response, 200,
           Json{{"run", core::RunToJson(run.value(), api.runs.public_url(), api.runs.Now())}});
}

}  // namespace

void HandleUpdateConfig(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response) {
  auto parsed = ReadRunRequest(request, response);
  if (!parsed) return;
  auto changes = ParseObjectField(parsed->second, "config");
  if (!changes) return SendError(response, changes.error());
  SendRunOrError(api, response, api.runs.UpdateConfig(parsed->first, *changes));
}

void HandleSetSummary(const ApiContext& api, const httplib::Request& request,
                      httplib::Response& response) {
  auto parsed = ReadRunRequest(request, response);
  if (!parsed) return;
  auto values = ParseObjectField(parsed->second, "summary");
  if (!values) return SendError(response, values.error());
  SendRunOrError(api, response, api.runs.SetSummary(parsed->first, *values));
}

void HandleDefineMetric(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response) {
  auto parsed = ReadRunRequest(request, response);
  if (!parsed) return;
  const std::string name = request.matches[4].str();
  auto definition = ParseMetricDefinition(name, parsed->second);
  if (!definition) return SendError(response, definition.error());
  SendRunOrError(api, response, api.runs.DefineMetric(parsed->first, name, *definition));
}

}  // namespace runhook::server
