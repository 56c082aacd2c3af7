#include "server/delivery_queries.h"

#include "server/secret_masking.h"

namespace runhook::server {
namespace {

bool Matches(const core::Delivery& delivery, const DeliveryQuery& query) {
  if (query.entity && delivery.run.entity != *query.entity) return false;
  if (query.project && delivery.run.project != *query.project) return false;
  if (query.run_id && delivery.run.id != *query.run_id) return false;
  return true;
}

}  // namespace

DeliveryQuery QueryForRun(const core::RunKey& key) {
  DeliveryQuery query;
  query.entity = key.entity;
  query.project = key.project;
  query.run_id = key.id;
  return query;
}

Result<std::vector<DeliveryWithAttempts>> FindDeliveries(store::Store& store,
                                                         const DeliveryQuery& query) {
  store::DeliveryFilter filter;
  filter.hook_name = query.hook_name;
  filter.state = query.state;
  const bool full_key = query.entity && query.project && query.run_id;
  if (full_key) {
    filter.run = core::RunKey{*query.entity, *query.project, *query.run_id};
    filter.limit = query.limit;
  } else {
    const bool narrows = query.entity || query.project || query.run_id;
    filter.limit = narrows ? kDeliveryScanLimit : query.limit;
  }
  auto deliveries = store.ListDeliveries(filter);
  if (!deliveries) return deliveries.error();
  auto secrets = store.GetSecretValues();
  if (!secrets) return secrets.error();
  const SecretMasker masker(*secrets);

  std::vector<DeliveryWithAttempts> found;
  for (auto& delivery : *deliveries) {
    if (static_cast<int>(found.size()) >= query.limit) break;
    if (!Matches(delivery, query)) continue;
    auto attempts = store.ListAttempts(delivery.id);
    if (!attempts) return attempts.error();
    found.push_back(DeliveryWithAttempts{std::move(delivery), std::move(attempts.value())});
    MaskForDisplay(masker, found.back());
  }
  return found;
}

Result<DeliveryWithAttempts> FindDelivery(store::Store& store, int64_t delivery_id) {
  auto delivery = store.GetDelivery(delivery_id);
  if (!delivery) return delivery.error();
  auto attempts = store.ListAttempts(delivery_id);
  if (!attempts) return attempts.error();
  auto secrets = store.GetSecretValues();
  if (!secrets) return secrets.error();
  DeliveryWithAttempts found{std::move(delivery.value()), std::move(attempts.value())};
  MaskForDisplay(SecretMasker(*secrets), found);
  return found;
}

Json DeliveriesToJson(const std::vector<DeliveryWithAttempts>& deliveries) {
  Json list = Json::array();
  for (const auto& [delivery, attempts] : deliveries)
    list.push_back(core::DeliveryToJson(delivery, attempts));
  return list;
}

}  // namespace runhook::server
