#include "store_helpers.h"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "core/clock.h"
#include "store/sqlite_store.h"

namespace runhook::delivery::testing {

std::unique_ptr<store::Store> OpenMemoryStore() {
  auto opened = store::OpenSqliteStore(":memory:");
  if (!opened.ok()) throw std::runtime_error("OpenSqliteStore: " + opened.error().message);
  return std::move(opened).value();
}

core::DeliveryDraft MakeDraft(const std::string& url) {
  core::DeliveryDraft draft;
  draft.hook_name = "notify";
  draft.webhook_id = core::GenerateWebhookId();
  draft.method = "POST";
  draft.url = url;
  draft.timeout_seconds = 5.0;
  draft.max_attempts = 1;
  return draft;
}

std::vector<int64_t> AddDeliveries(store::Store& store,
                                   const std::vector<core::DeliveryDraft>& drafts,
                                   const std::string& hook_secret) {
  static std::atomic<int> run_counter{0};
  const int64_t now = core::NowUnixMillis();
  core::RunRecord run;
  run.key = {"alice", "delivery-tests", "run" + std::to_string(++run_counter)};
  run.name = run.key.id;
  run.created_at_ms = now;
  run.heartbeat_at_ms = now;
  core::HookSpec hook;
  hook.name = "notify";
  hook.run_states = {"created"};
  hook.url = "http://127.0.0.1/unused";
  hook.secret = hook_secret;
  store::EventWrite event{"created", now, Json::object(), drafts};
  Status created = store.CreateRun(run, {hook}, &event);
  if (!created.ok()) throw std::runtime_error("CreateRun: " + created.error().message);

  store::DeliveryFilter filter;
  filter.run = run.key;
  filter.limit = static_cast<int>(drafts.size()) + 1;
  auto listed = store.ListDeliveries(filter);
  if (!listed.ok()) throw std::runtime_error("ListDeliveries: " + listed.error().message);
  std::vector<int64_t> ids;
  for (const core::DeliveryDraft& draft : drafts)
    for (const core::Delivery& delivery : listed.value())
      if (delivery.request.webhook_id == draft.webhook_id) ids.push_back(delivery.id);
  if (ids.size() != drafts.size()) throw std::runtime_error("stored deliveries not found");
  return ids;
}

int64_t AddDelivery(store::Store& store, const core::DeliveryDraft& draft,
                    const std::string& hook_secret) {
  return AddDeliveries(store, {draft}, hook_secret).front();
}

core::Delivery WaitForDelivery(store::Store& store, int64_t delivery_id,
                               const std::function<bool(const core::Delivery&)>& done,
                               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto delivery = store.GetDelivery(delivery_id);
    if (!delivery.ok()) throw std::runtime_error("GetDelivery: " + delivery.error().message);
    if (done(*delivery) || std::chrono::steady_clock::now() >= deadline)
      return std::move(delivery).value();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the store, not a wait
  }
}

core::Delivery WaitUntilSettled(store::Store& store, int64_t delivery_id,
                                std::chrono::milliseconds timeout) {
  return WaitForDelivery(
      store, delivery_id,
      [](const core::Delivery& delivery) {
        return delivery.state != core::DeliveryState::kPending;
      },
      timeout);
}

std::vector<core::Attempt> Attempts(store::Store& store, int64_t delivery_id) {
  auto attempts = store.ListAttempts(delivery_id);
  if (!attempts.ok()) throw std::runtime_error("ListAttempts: " + attempts.error().message);
  return std::move(attempts).value();
}

}  // namespace runhook::delivery::testing
