// The run's HTML page, GET /{entity}/{project}/runs/{id} (this is run.url): state badge with the
// failure reason, times, config, summary, one chart canvas per metric, hooks, and the delivery
// log with every attempt and a redeliver form. Every value is escaped; secrets are masked before
// the data reaches here (delivery_queries.h). Everything but the charts works without
// JavaScript; /static/run_page.js draws the charts and refreshes a live run (web/run_page.js).
//
// The DOM contract the browser test and run_page.js rely on:
//   <span id="run-state" class="badge state-STATE">STATE</span>
//   <table id="config">, <table id="summary">: <tr data-key="KEY"><th>KEY</th><td>VALUE</td></tr>
//   <div id="charts">: <canvas class="metric-chart" data-key="KEY"> per metric
//   <table id="hooks">
//   <table id="deliveries">: <tbody class="delivery" data-delivery-id="ID" data-state="STATE">
//     per delivery, holding a .delivery-state cell, a <form class="redeliver-form"> posting to
//     /{entity}/{project}/runs/{id}/deliveries/{delivery id}/redeliver with
//     <button class="redeliver">, and one <tr class="attempt"> per attempt with .attempt-status,
//     .attempt-latency and .attempt-response cells.
// Pure; thread-safe.
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

// The whole page; its <title> is "{run name} · {entity}/{project} · runhook".
std::string RenderRunPage(const RunPageData& data);

// The run page's delivery rows alone, one <tbody class="delivery"> per delivery as in the page:
// what GET /{entity}/{project}/runs/{id}/deliveries answers, so the page's live refresh swaps in
// the server's own markup instead of rebuilding it in JavaScript.
std::string RenderDeliveryBodies(const core::RunKey& key,
                                 const std::vector<DeliveryWithAttempts>& deliveries);

// The metric keys the page draws charts for before any series is fetched: the summary keys with
// a number value that were logged (not set explicitly with a summary update), in summary order.
std::vector<std::string> ChartKeys(const core::RunRecord& run);

}  // namespace runhook::server
