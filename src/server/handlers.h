// The HTTP handlers of docs/api.md. Each one only validates the request, converts it, calls the
// run service or the store, and writes the JSON answer; the logic lives in run_service.h,
// run_changes.h and delivery_rendering.h. routes.cpp maps paths to these functions.
//
// Thread safety: handlers run on the HTTP server's worker threads concurrently; ApiContext
// holds only thread-safe parts.
#pragma once

#include <httplib.h>

#include "server/run_service.h"
#include "store/store.h"

namespace runhook::server {

struct ApiContext {
  store::Store& store;
  RunService& runs;
  size_t max_request_bytes = 32u << 20;  // also caps a decompressed body (content_encoding.h)
};

// Run handlers (run_handlers.cpp). Paths carry entity, project and id as matches 1..3.
void HandleCreateRun(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response);
void HandleGetRun(const ApiContext& api, const httplib::Request& request,
                  httplib::Response& response);
// GET /api/v1/runs?entity=&project=[&state=][&limit=]: a project's runs, newest first.
void HandleListRuns(const ApiContext& api, const httplib::Request& request,
                    httplib::Response& response);
void HandleStartRun(const ApiContext& api, const httplib::Request& request,
                    httplib::Response& response);
void HandleAppendHistory(const ApiContext& api, const httplib::Request& request,
                         httplib::Response& response);
void HandleGetHistory(const ApiContext& api, const httplib::Request& request,
                      httplib::Response& response);
// GET RUN/series?key=K&min_step=&max_step=&max_points=: downsampled metric series for charts
// (series_handlers.cpp).
void HandleGetSeries(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response);
void HandleHeartbeat(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response);
void HandleFinishRun(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response);
void HandleAlert(const ApiContext& api, const httplib::Request& request,
                 httplib::Response& response);
// Changes after start (run_update_handlers.cpp): PATCH RUN/config, PATCH RUN/summary and
// PUT RUN/metrics/{name} (match 4 the metric name, which may contain '/').
void HandleUpdateConfig(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response);
void HandleSetSummary(const ApiContext& api, const httplib::Request& request,
                      httplib::Response& response);
void HandleDefineMetric(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response);

// The web UI (page_handlers.cpp): GET / (projects), GET /{entity}/{project} (runs table),
// GET /{entity}/{project}/runs/{id} (the run page, run.url), the no-JavaScript redeliver form
// POST /{entity}/{project}/runs/{id}/deliveries/{delivery id}/redeliver (answers 303 to the run
// page), and GET /static/{name} (match 1; embedded assets, static_assets.h).
void HandleProjectsPage(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response);
void HandleProjectPage(const ApiContext& api, const httplib::Request& request,
                       httplib::Response& response);
void HandleRunPage(const ApiContext& api, const httplib::Request& request,
                   httplib::Response& response);
// GET /{entity}/{project}/runs/{id}/deliveries: the run page's delivery rows as an HTML
// fragment (RenderDeliveryBodies), for the page's live refresh.
void HandleRunDeliveriesFragment(const ApiContext& api, const httplib::Request& request,
                                 httplib::Response& response);
void HandleRedeliverForm(const ApiContext& api, const httplib::Request& request,
                         httplib::Response& response);
void HandleStaticAsset(const httplib::Request& request, httplib::Response& response);

// Delivery handlers (delivery_handlers.cpp).
void HandleRunDeliveries(const ApiContext& api, const httplib::Request& request,
                         httplib::Response& response);
void HandleListDeliveries(const ApiContext& api, const httplib::Request& request,
                          httplib::Response& response);
void HandleGetDelivery(const ApiContext& api, const httplib::Request& request,
                       httplib::Response& response);
// POST /api/v1/deliveries/{id}/redeliver (match 1 the id); answers the delivery.
void HandleRedeliver(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response);
// POST RUN/hooks/{hook}/test (matches 1..3 the run, 4 the hook); answers 201 the delivery.
void HandleTestHook(const ApiContext& api, const httplib::Request& request,
                    httplib::Response& response);

// Secret handlers (secret_handlers.cpp); values are accepted, never answered. Match 1 the name.
void HandleListSecrets(const ApiContext& api, const httplib::Request& request,
                       httplib::Response& response);
void HandlePutSecret(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response);
void HandleDeleteSecret(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response);

// Registers every route above plus /healthz on `http`, and the handlers that turn routing
// failures (404, 413 beyond `max_request_bytes`, ...) and exceptions into JSON errors. `api`
// must outlive `http`'s use (routes.cpp).
void RegisterRoutes(httplib::Server& http, const ApiContext& api, size_t max_request_bytes);

}  // namespace runhook::server
