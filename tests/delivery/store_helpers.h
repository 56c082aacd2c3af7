// Helpers for dispatcher tests: a real SQLite store in memory, deliveries written the way the
// server writes them (a run and an event with its delivery drafts, in one call), and waiting on
// a delivery's state with a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/delivery.h"
#include "store/store.h"

namespace runhook::delivery::testing {

std::unique_ptr<store::Store> OpenMemoryStore();

// A draft for `url` with a fresh webhook id; POST, empty body, 5 s timeout, one attempt.
core::DeliveryDraft MakeDraft(const std::string& url);

// Stores a new run (its one hook "notify" signing with `hook_secret`, which may be empty) with
// one event carrying `drafts`; returns the new deliveries' ids in the order of `drafts`.
std::vector<int64_t> AddDeliveries(store::Store& store,
                                   const std::vector<core::DeliveryDraft>& drafts,
                                   const std::string& hook_secret = "");
int64_t AddDelivery(store::Store& store, const core::DeliveryDraft& draft,
                    const std::string& hook_secret = "");

// Waits until `done(delivery)` holds for the stored delivery (or `timeout` passes) and returns
// the delivery as last read.
core::Delivery WaitForDelivery(store::Store& store, int64_t delivery_id,
                               const std::function<bool(const core::Delivery&)>& done,
                               std::chrono::milliseconds timeout);

// Waits until the delivery leaves `pending` (or `timeout` passes) and returns it as stored.
core::Delivery WaitUntilSettled(store::Store& store, int64_t delivery_id,
                                std::chrono::milliseconds timeout);

std::vector<core::Attempt> Attempts(store::Store& store, int64_t delivery_id);

}  // namespace runhook::delivery::testing
