// The run's HTML page, GET /{entity}/{project}/runs/{id} (this is run.url): state, times,
// config, summary, hooks and the delivery log with every attempt. Plain HTML with every value
// escaped; no scripts. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/delivery.h"
#include "core/hook.h"
#include "core/run.h"

namespace runhook::server {

struct DeliveryWithAttempts {
  core::Delivery delivery;
  std::vector<core::Attempt> attempts;
};

struct RunPageData {
  core::RunRecord run;
  std::vector<core::HookSpec> hooks;
  std::vector<DeliveryWithAttempts> deliveries;  // newest first
  std::string public_url;
  int64_t now_ms = 0;
};

std::string RenderRunPage(const RunPageData& data);

// A small page for a missing run or a bad address, with `message` escaped.
std::string RenderErrorPage(const std::string& title, const std::string& message);

}  // namespace runhook::server
