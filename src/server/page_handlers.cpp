// The HTML page of a run (run.url).
#include "server/delivery_queries.h"
#include "server/handlers.h"
#include "server/request_parsing.h"
#include "server/run_page.h"

namespace runhook::server {
namespace {

constexpr int kPageDeliveryLimit = 200;

void SendPage(httplib::Response& response, int status, const std::string& html) {
  response.status = status;
  response.set_content(html, "text/html; charset=utf-8");
}

void SendErrorPage(httplib::Response& response, const ErrorInfo& error) {
  const int status = error.code == ErrorCode::kNotFound          ? 404
                     : error.code == ErrorCode::kInvalidArgument ? 400
                                                                 : 500;
  SendPage(
      response, status,
      RenderErrorPage(status == 404 ? "Run not found" : "Cannot show this run", error.message));
}

}  // namespace

void HandleRunPage(const ApiContext& api, const httplib::Request& request,
                   httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendErrorPage(response, key.error());
  auto run = api.store.GetRun(*key);
  if (!run) return SendErrorPage(response, NameRunIfNotFound(run.error(), *key));
  auto hooks = api.store.GetHooks(*key);
  if (!hooks) return SendErrorPage(response, hooks.error());
  DeliveryQuery query = QueryForRun(*key);
  query.limit = kPageDeliveryLimit;
  auto deliveries = FindDeliveries(api.store, query);
  if (!deliveries) return SendErrorPage(response, deliveries.error());
  SendPage(response, 200,
           RenderRunPage(RunPageData{std::move(run.value()), std::move(hooks.value()),
                                     std::move(deliveries.value()), api.runs.public_url(),
                                     api.runs.Now()}));
}

}  // namespace runhook::server
