// Reading deliveries with their attempts from the store, for the API and the run page. Every
// delivery these return is ready to show: secret values are masked (secret_masking.h).
// Thread-safe (the store is).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "server/run_page.h"
#include "store/store.h"

namespace runhook::server {

// The filters of GET /api/v1/deliveries. Every field is optional; `run_id` may be given without
// entity and project.
struct DeliveryQuery {
  std::optional<std::string> entity;
  std::optional<std::string> project;
  std::optional<std::string> run_id;
  std::optional<std::string> hook_name;
  std::optional<core::DeliveryState> state;
  int limit = 100;
};

// The query for all deliveries of one run.
DeliveryQuery QueryForRun(const core::RunKey& key);

// The deliveries matching `query`, newest first, each with its attempts (oldest first).
// When entity, project and run are all given, the store filters; otherwise the newest
// kDeliveryScanLimit deliveries matching the other filters are read and filtered here (the
// store's filter addresses a run by its full key only).
inline constexpr int kDeliveryScanLimit = 5000;
Result<std::vector<DeliveryWithAttempts>> FindDeliveries(store::Store& store,
                                                         const DeliveryQuery& query);

// One delivery with its attempts. Errors: kNotFound "delivery N not found".
Result<DeliveryWithAttempts> FindDelivery(store::Store& store, int64_t delivery_id);

Json DeliveriesToJson(const std::vector<DeliveryWithAttempts>& deliveries);

}  // namespace runhook::server
