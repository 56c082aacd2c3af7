// Thin handlers for the delivery log.
#include <charconv>
#include <cstdint>

#include "server/delivery_queries.h"
#include "server/handlers.h"
#include "server/http_responses.h"
#include "server/request_parsing.h"

namespace runhook::server {
namespace {

constexpr int64_t kMaxLimit = 1000;

// Reads limit, hook and state, the filters shared by both delivery lists.
Status ReadCommonFilters(const httplib::Request& request, DeliveryQuery& query) {
  auto limit = IntegerParam(request, "limit", 1, kMaxLimit);
  if (!limit) return limit.error();
  query.limit = static_cast<int>(limit->value_or(100));
  query.hook_name = StringParam(request, "hook");
  if (auto state = StringParam(request, "state")) {
    query.state = core::ParseDeliveryState(*state);
    if (!query.state)
      return MakeError(ErrorCode::kInvalidArgument,
                       "query parameter 'state': unknown state '" + *state +
                           "' (use pending, delivered, failed or dead)");
  }
  return OkStatus();
}

// The delivery id of path match 1. Errors: kNotFound for anything but a decimal integer.
Result<int64_t> DeliveryIdFromPath(const httplib::Request& request) {
  const std::string text = request.matches[1].str();
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size())
    return MakeError(ErrorCode::kNotFound, "delivery " + text + " not found");
  return id;
}

// Answers `status` {"delivery": DELIVERY_JSON}.
void SendDelivery(httplib::Response& response, int status, const DeliveryWithAttempts& delivery) {
  SendJson(response, status,
           Json{{"delivery", core::DeliveryToJson(delivery.delivery, delivery.attempts)}});
}

// The same for delivery `id`, read again (and masked).
void SendDelivery(const ApiContext& api, httplib::Response& response, int status, int64_t id) {
  auto delivery = FindDelivery(api.store, id);
  if (!delivery) return SendError(response, delivery.error());
  SendDelivery(response, status, *delivery);
}

}  // namespace

void HandleRunDeliveries(const ApiContext& api, const httplib::Request& request,
                         httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendError(response, key.error());
  DeliveryQuery query = QueryForRun(*key);
  if (auto status = ReadCommonFilters(request, query); !status)
    return SendError(response, status.error());
  if (auto run = api.store.GetRun(*key); !run)
    return SendError(response, NameRunIfNotFound(run.error(), *key));
  auto deliveries = FindDeliveries(api.store, query);
  if (!deliveries) return SendError(response, deliveries.error());
  SendJson(response, 200, Json{{"deliveries", DeliveriesToJson(*deliveries)}});
}

void HandleListDeliveries(const ApiContext& api, const httplib::Request& request,
                          httplib::Response& response) {
  DeliveryQuery query;
  query.entity = StringParam(request, "entity");
  query.project = StringParam(request, "project");
  query.run_id = StringParam(request, "run");
  if (auto status = ReadCommonFilters(request, query); !status)
    return SendError(response, status.error());
  auto deliveries = FindDeliveries(api.store, query);
  if (!deliveries) return SendError(response, deliveries.error());
  SendJson(response, 200, Json{{"deliveries", DeliveriesToJson(*deliveries)}});
}

void HandleGetDelivery(const ApiContext& api, const httplib::Request& request,
                       httplib::Response& response) {
  auto id = DeliveryIdFromPath(request);
  if (!id) return SendError(response, id.error());
  SendDelivery(api, response, 200, *id);
}

void HandleRedeliver(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response) {
  auto id = DeliveryIdFromPath(request);
  if (!id) return SendError(response, id.error());
  auto delivery = api.runs.Redeliver(*id);
  if (!delivery) return SendError(response, delivery.error());
  SendDelivery(response, 200, *delivery);
}

void HandleTestHook(const ApiContext& api, const httplib::Request& request,
                    httplib::Response& response) {
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendError(response, key.error());
  auto delivery = api.runs.TestHook(*key, request.matches[4].str());
  if (!delivery) return SendError(response, delivery.error());
  SendDelivery(api, response, 201, delivery->id);
}

}  // namespace runhook::server
