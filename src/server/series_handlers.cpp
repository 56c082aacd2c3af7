// Thin handler for GET RUN/series: a run's metric series for charts, downsampled on the server
// while it streams from the store chunk by chunk (series_downsampling.h), so a million-point
// metric answers fast with memory bounded by max_points.
#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/handlers.h"
#include "server/http_responses.h"
#include "server/request_parsing.h"
#include "server/series_downsampling.h"

namespace runhook::server {
namespace {

constexpr int64_t kDefaultMaxPoints = 1000;
constexpr int64_t kMinMaxPoints = 2;
constexpr int64_t kMaxMaxPoints = 10'000;

// The `key` parameters, sorted, without repeats; empty when none is given.
Result<std::vector<std::string>> RequestedKeys(const httplib::Request& request) {
  std::vector<std::string> keys;
  const size_t count = request.get_param_value_count("key");
  for (size_t index = 0; index < count; ++index) {
    std::string key = request.get_param_value("key", index);
    if (key.empty())
      return MakeError(ErrorCode::kInvalidArgument,
                       "query parameter 'key' must name a metric (it is empty)");
    keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// Feeds a series from the store into min/max buckets, one chunk at a time (memory bounded by
// max_points, whatever the number of points).
class SeriesCollector : public store::MetricPointVisitor {
 public:
  explicit SeriesCollector(size_t max_points) : max_points_(max_points) {}

  void OnRange(const store::MetricRangeSummary& summary) override {
    buckets_.emplace(summary.first_step, summary.last_step, max_points_);
  }
  void OnPoints(std::span<const int64_t> steps, std::span<const double> values) override {
    buckets_->Add(steps, values);
  }

  // {"key", "total_points", "downsampled", "points": [[step, value], ...]}. Call once.
  Json Finish(const std::string& key) {
    if (!buckets_) buckets_.emplace(0, 0, max_points_);  // no range was given: no points
    Json list = Json::array();
    for (const SeriesPoint& point : buckets_->Finish())
      list.push_back(Json::array({point.step, point.value}));
    return Json{{"key", key},
                {"total_points", buckets_->count()},
                {"downsampled", buckets_->downsampled()},
                {"points", std::move(list)}};
  }

 private:
  size_t max_points_;
  std::optional<MinMaxBuckets> buckets_;
};

}  // namespace

void HandleGetSeries(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response) {
  constexpr int64_t kMaxStep = std::numeric_limits<int64_t>::max();
  auto key =
      ParseRunKey(request.matches[1].str(), request.matches[2].str(), request.matches[3].str());
  if (!key) return SendError(response, key.error());
  auto min_step = IntegerParam(request, "min_step", 0, kMaxStep);
  if (!min_step) return SendError(response, min_step.error());
  auto max_step = IntegerParam(request, "max_step", 0, kMaxStep);
  if (!max_step) return SendError(response, max_step.error());
  const int64_t first_step = min_step->value_or(0);
  const int64_t last_step = max_step->value_or(kMaxStep);
  if (first_step > last_step)
    return SendError(response,
                     MakeError(ErrorCode::kInvalidArgument,
                               "query parameter 'min_step': " + std::to_string(first_step) +
                                   " is greater than max_step " + std::to_string(last_step)));
  // Any integer is accepted and clamped; only a value that is not an integer is refused.
  auto max_points = IntegerParam(request, "max_points", std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max());
  if (!max_points) return SendError(response, max_points.error());
  const auto points_limit = static_cast<size_t>(
      std::clamp(max_points->value_or(kDefaultMaxPoints), kMinMaxPoints, kMaxMaxPoints));
  auto metric_keys = RequestedKeys(request);
  if (!metric_keys) return SendError(response, metric_keys.error());
  if (metric_keys->empty()) {
    auto stored_keys = api.store.ListMetricKeys(*key);
    if (!stored_keys) return SendError(response, NameRunIfNotFound(stored_keys.error(), *key));
    metric_keys = std::move(stored_keys);
  }
  Json series = Json::array();
  for (const std::string& metric_key : *metric_keys) {
    SeriesCollector collector(points_limit);
    Status status = api.store.VisitMetricPoints(*key, metric_key, first_step, last_step, collector);
    if (!status) return SendError(response, NameRunIfNotFound(status.error(), *key));
    series.push_back(collector.Finish(metric_key));
  }
  SendJson(response, 200, Json{{"series", std::move(series)}});
}

}  // namespace runhook::server
