// The web UI: the HTML pages, the no-JavaScript redeliver form, and the embedded static assets.
// Thin: parse, call the store or the run service, render (project_pages.h, run_page.h).
#include <charconv>

#include "core/ids.h"
#include "server/delivery_queries.h"
#include "server/handlers.h"
#include "server/page_layout.h"
#include "server/project_pages.h"
#include "server/request_parsing.h"
#include "server/run_page.h"
#include "server/static_assets.h"

namespace runhook::server {
namespace {

constexpr int kPageDeliveryLimit = 200;
constexpr int kPageProjectLimit = 1000;
constexpr int kPageRunLimit = 10'000;

void SendPage(httplib::Response& response, int status, const std::string& html) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(html, "text/html; charset=utf-8");
}

void SendErrorPage(httplib::Response& response, const ErrorInfo& error,
                   const std::string& title_for_404) {
  const int status = error.code == ErrorCode::kNotFound          ? 404
                     : error.code == ErrorCode::kInvalidArgument ? 400
                     : error.code == ErrorCode::kConflict        ? 409
                                                                 : 500;
  SendPage(response, status,
           RenderErrorPage(status == 404 ? title_for_404 : "Cannot show this page", error.message));
}

Result<int64_t> DeliveryIdFromText(const std::string& text) {
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size())
    return MakeError(ErrorCode::kNotFound, "delivery " + text + " not found");
  return id;
}

// The deliveries the run page shows (newest first, secrets masked by FindDeliveries).
Result<std::vector<DeliveryWithAttempts>> PageDeliveries(const ApiContext& api,
                                                         const core::RunKey& key) {
  DeliveryQuery query = QueryForRun(key);
  query.limit = kPageDeliveryLimit;
  return FindDeliveries(api.store, query);
}

}  // namespace

void HandleProjectsPage(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response) {
  auto projects = api.store.ListProjects(kPageProjectLimit);
  if (!projects) return SendErrorPage(response, projects.error(), "Not found");
  SendPage(response, 200, RenderProjectsPage(*projects));
}

void HandleProjectPage(const ApiContext& api, const httplib::Request& request,
                       httplib::Response& response) {
  const std::string entity = request.matches[1].str();
  const std::string project = request.matches[2].str();
  if (!core::IsValidSlug(entity) || !core::IsValidSlug(project))
    return SendErrorPage(response,
                         MakeError(ErrorCode::kNotFound,
                                   "no project '" + entity + "/" + project + "' (see / for all)"),
                         "Project not found");
  auto query = ParseRunsTableQuery(request.params);
  if (!query) return SendErrorPage(response, query.error(), "Project not found");
  auto runs = api.store.ListRuns(entity, project, query->state, kPageRunLimit + 1);
  if (!runs) return SendErrorPage(response, runs.error(), "Project not found");
  RunsPageData data{entity, project, std::move(runs.value()), std::move(query.value())};
  data.truncated = data.runs.size() > static_cast<size_t>(kPageRunLimit);
  if (data.truncated) data.runs.resize(kPageRunLimit);
  data.now_ms = api.runs.Now();
  if (!data.query.columns_given) data.query.columns = DefaultSummaryColumns(data.runs);
  SortRuns(data.runs, data.query, data.now_ms);
  SendPage(response, 200, RenderProjectPage(data));
}

void HandleRunPage(const ApiContext& api, const httplib::Request& request,
                   httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendErrorPage(response, key.error(), "Run not found");
  auto run = api.store.GetRun(*key);
  if (!run) return SendErrorPage(response, NameRunIfNotFound(run.error(), *key), "Run not found");
  auto hooks = api.store.GetHooks(*key);
  if (!hooks) return SendErrorPage(response, hooks.error(), "Run not found");
  auto deliveries = PageDeliveries(api, *key);
  if (!deliveries) return SendErrorPage(response, deliveries.error(), "Run not found");
  SendPage(response, 200,
           RenderRunPage(RunPageData{std::move(run.value()), std::move(hooks.value()),
                                     std::move(deliveries.value()), api.runs.public_url(),
                                     api.runs.Now()}));
}

void HandleRunDeliveriesFragment(const ApiContext& api, const httplib::Request& request,
                                 httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendErrorPage(response, key.error(), "Run not found");
  if (auto run = api.store.GetRun(*key); !run)
    return SendErrorPage(response, NameRunIfNotFound(run.error(), *key), "Run not found");
  auto deliveries = PageDeliveries(api, *key);
  if (!deliveries) return SendErrorPage(response, deliveries.error(), "Run not found");
  SendPage(response, 200, RenderDeliveryBodies(*key, *deliveries));
}

void HandleRedeliverForm(const ApiContext& api, const httplib::Request& request,
                         httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendErrorPage(response, key.error(), "Run not found");
  auto id = DeliveryIdFromText(request.matches[4].str());
  if (!id) return SendErrorPage(response, id.error(), "Delivery not found");
  auto delivery = api.store.GetDelivery(*id);
  if (!delivery || delivery->run != *key)
    return SendErrorPage(
        response,
        MakeError(ErrorCode::kNotFound,
                  "run '" + DescribeRun(*key) + "' has no delivery " + std::to_string(*id)),
        "Delivery not found");
  if (auto redelivered = api.runs.Redeliver(*id); !redelivered)
    return SendErrorPage(response, redelivered.error(), "Delivery not found");
  response.status = 303;
  response.set_header("Location", "/" + key->entity + "/" + key->project + "/runs/" + key->id +
                                      "#delivery-" + std::to_string(*id));
}

void HandleStaticAsset(const httplib::Request& request, httplib::Response& response) {
  const StaticAsset* asset = FindStaticAsset(request.matches[1].str());
  if (asset == nullptr) {
    response.status = 404;
    response.set_content("no static file '" + request.matches[1].str() + "'",
                         "text/plain; charset=utf-8");
    return;
  }
  response.set_header("Cache-Control", std::string(kStaticCacheControl));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_content(asset->content.data(), asset->content.size(),
                       std::string(asset->content_type));
}

}  // namespace runhook::server
