// RunService: deliveries made by hand, a redelivery and a hook test.
#include <algorithm>

#include "server/delivery_rendering.h"
#include "server/run_service.h"

namespace runhook::server {

Result<DeliveryWithAttempts> RunService::Redeliver(int64_t delivery_id) {
  if (auto redelivered = store_.Redeliver(delivery_id, Now()); !redelivered)
    return redelivered.error();
  auto delivery = FindDelivery(store_, delivery_id);
  if (on_deliveries_committed_) on_deliveries_committed_();
  return delivery;
}

Result<core::Delivery> RunService::TestHook(const core::RunKey& key, const std::string& hook_name) {
  auto run = store_.GetRun(key);
  if (!run) return NameRunIfNotFound(run.error(), key);
  auto hooks = store_.GetHooks(key);
  if (!hooks) return NameRunIfNotFound(hooks.error(), key);
  auto hook = std::find_if(hooks->begin(), hooks->end(),
                           [&](const core::HookSpec& item) { return item.name == hook_name; });
  if (hook == hooks->end()) {
    std::string names;
    for (const auto& item : *hooks) names += (names.empty() ? "" : ", ") + item.name;
    return MakeError(ErrorCode::kNotFound,
                     "run '" + DescribeRun(key) + "' has no hook '" + hook_name +
                         "' (its hooks: " + (names.empty() ? std::string("none") : names) + ")");
  }
  const int64_t now_ms = Now();
  std::string secrets_problem;
  const RenderSettings settings = MakeRenderSettings(MentionsSecrets(*hook), secrets_problem);
  store::EventWrite event;
  event.type = std::string(kTestEventType);
  event.timestamp_ms = now_ms;
  event.payload = Json{{"hook", hook_name}};
  event.deliveries.push_back(RenderTestDelivery(*run, *hook, now_ms, settings));
  if (!secrets_problem.empty() && event.deliveries[0].render_error.empty())
    event.deliveries[0].render_error = secrets_problem;
  auto ids = store_.AddEvent(key, event);
  if (!ids) return NameRunIfNotFound(ids.error(), key);
  if (event.deliveries[0].render_error.empty() && on_deliveries_committed_)
    on_deliveries_committed_();
  return store_.GetDelivery(ids->front());
}

}  // namespace runhook::server
