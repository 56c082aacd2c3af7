// The one table of every route the server answers.
#include <cstdio>
#include <exception>
#include <string>

#include "server/handlers.h"
#include "server/http_responses.h"
#include "server/json_errors.h"

namespace runhook::server {
namespace {

// entity / project / id, each one path segment; the handlers check their characters.
const std::string kRun = "/api/v1/runs/([^/]+)/([^/]+)/([^/]+)";

using ApiHandler = void (*)(const ApiContext&, const httplib::Request&, httplib::Response&);

httplib::Server::Handler Bind(const ApiContext& api, ApiHandler handler) {
  return [&api, handler](const httplib::Request& request, httplib::Response& response) {
    handler(api, request, response);
  };
}

void HandleHealth(const httplib::Request&, httplib::Response& response) {
  SendJson(response, 200, Json{{"status", "ok"}, {"version", RUNHOOK_VERSION}});
}

// Gives routing and body-limit failures, which carry no body, the API's JSON error body.
httplib::Server::HandlerResponse FillEmptyError(const httplib::Request& request,
                                                httplib::Response& response,
                                                size_t max_request_bytes) {
  if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  std::string message;
  switch (response.status) {
    case 404:
      message = "no route for " + request.method + " " + request.path + " (see docs/api.md)";
      break;
    case 413:
      message = "request body is larger than the server's limit of " +
                std::to_string(max_request_bytes) + " bytes";
      break;
    default:
      message = "the request could not be handled (HTTP " + std::to_string(response.status) + ")";
  }
  response.set_content(DumpJson(ErrorJson(ErrorCodeNameForStatus(response.status), message)),
                       "application/json");
  return httplib::Server::HandlerResponse::Handled;
}

// An exception escaping a handler is a bug: it is logged and answered with 500.
void AnswerException(const httplib::Request& request, httplib::Response& response,
                     std::exception_ptr exception) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
    // Not silent: reported below and answered with 500.
  }
  std::fprintf(stderr, "runhook server: internal error in %s %s: %s\n", request.method.c_str(),
               request.path.c_str(), what.c_str());
  SendJson(response, 500, ErrorJson("internal", "internal error: " + what));
}

}  // namespace

void RegisterRoutes(httplib::Server& http, const ApiContext& api, size_t max_request_bytes) {
  http.Get("/healthz", HandleHealth);

  http.Post("/api/v1/runs", Bind(api, HandleCreateRun));
  http.Get("/api/v1/runs", Bind(api, HandleListRuns));
  http.Get(kRun, Bind(api, HandleGetRun));
  http.Post(kRun + "/start", Bind(api, HandleStartRun));
  http.Post(kRun + "/history", Bind(api, HandleAppendHistory));
  http.Get(kRun + "/history", Bind(api, HandleGetHistory));
  http.Get(kRun + "/series", Bind(api, HandleGetSeries));
  http.Post(kRun + "/heartbeat", Bind(api, HandleHeartbeat));
  http.Post(kRun + "/finish", Bind(api, HandleFinishRun));
  http.Post(kRun + "/alert", Bind(api, HandleAlert));
  http.Patch(kRun + "/config", Bind(api, HandleUpdateConfig));
  http.Patch(kRun + "/summary", Bind(api, HandleSetSummary));
  http.Put(kRun + "/metrics/(.+)", Bind(api, HandleDefineMetric));
  http.Get(kRun + "/deliveries", Bind(api, HandleRunDeliveries));

  http.Get("/api/v1/deliveries", Bind(api, HandleListDeliveries));
  http.Get("/api/v1/deliveries/([^/]+)", Bind(api, HandleGetDelivery));
  http.Post("/api/v1/deliveries/([^/]+)/redeliver", Bind(api, HandleRedeliver));
  http.Post(kRun + "/hooks/([^/]+)/test", Bind(api, HandleTestHook));

  http.Get("/api/v1/secrets", Bind(api, HandleListSecrets));
  http.Put("/api/v1/secrets/([^/]+)", Bind(api, HandlePutSecret));
  http.Delete("/api/v1/secrets/([^/]+)", Bind(api, HandleDeleteSecret));

  // Pages never start with /api/: a wrong API path gets the JSON 404, not a page's HTML one
  // (and the entity "api" is refused at create, see request_parsing.h).
  http.Get("/", Bind(api, HandleProjectsPage));
  http.Get("/static/([^/]+)", HandleStaticAsset);
  http.Get("/(?!api/|static/)([^/]+)/([^/]+)", Bind(api, HandleProjectPage));
  http.Get("/(?!api/)([^/]+)/([^/]+)/runs/([^/]+)", Bind(api, HandleRunPage));
  http.Get("/(?!api/)([^/]+)/([^/]+)/runs/([^/]+)/deliveries",
           Bind(api, HandleRunDeliveriesFragment));
  http.Post("/(?!api/)([^/]+)/([^/]+)/runs/([^/]+)/deliveries/([^/]+)/redeliver",
            Bind(api, HandleRedeliverForm));

  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_request_bytes](const httplib::Request& request, httplib::Response& response) {
        return FillEmptyError(request, response, max_request_bytes);
      }));
  http.set_exception_handler(AnswerException);
}

}  // namespace runhook::server
