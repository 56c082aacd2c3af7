#include "store/metric_chunks.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <span>
#include <string_view>

#include "store/sql.h"
#include "store/sqlite_rows.h"

namespace runhook::store::sqlite {
namespace {

// MetricPointCollector reserves room for at most this many points in all (16 MiB), so rows with
// many different keys do not reserve a batch's worth for each.
constexpr size_t kMaxReservedPoints = 1 << 20;

// Backfill appends what it has read after this many points, bounding its memory.
constexpr size_t kBackfillFlushPoints = 1'000'000;

// Appends the little-endian bytes of `items` to `out`.
template <typename T>
void Pack(std::span<const T> items, std::string& out) {
  static_assert(sizeof(T) == 8);
  const size_t offset = out.size();
  out.resize(offset + items.size() * sizeof(T));
  if constexpr (std::endian::native == std::endian::little) {
    if (!items.empty()) std::memcpy(out.data() + offset, items.data(), items.size() * sizeof(T));
  } else {
    for (size_t index = 0; index < items.size(); ++index) {
      uint64_t bits = std::bit_cast<uint64_t>(items[index]);
      for (size_t byte = 0; byte < 8; ++byte)
        out[offset + index * 8 + byte] = static_cast<char>((bits >> (8 * byte)) & 0xFF);
    }
  }
}

// Appends `count` items unpacked from little-endian `bytes` to `out`; false when the size of
// `bytes` is not `count` items.
template <typename T>
bool UnpackInto(std::string_view bytes, size_t count, std::vector<T>& out) {
  static_assert(sizeof(T) == 8);
  if (bytes.size() != count * sizeof(T)) return false;
  const size_t offset = out.size();
  out.resize(offset + count);
  if constexpr (std::endian::native == std::endian::little) {
    if (count > 0) std::memcpy(out.data() + offset, bytes.data(), bytes.size());
  } else {
    for (size_t index = 0; index < count; ++index) {
      uint64_t bits = 0;
      for (size_t byte = 0; byte < 8; ++byte)
        bits |= uint64_t{static_cast<unsigned char>(bytes[index * 8 + byte])} << (8 * byte);
      out[offset + index] = std::bit_cast<T>(bits);
    }
  }
  return true;
}

// Sorts `points` by step; equal steps keep their order.
void SortByStep(MetricPoints& points) {
  if (std::is_sorted(points.steps.begin(), points.steps.end())) return;
  std::vector<size_t> order(points.steps.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t left, size_t right) {
    return points.steps[left] < points.steps[right];
  });
  MetricPoints sorted;
  sorted.steps.reserve(order.size());
  sorted.values.reserve(order.size());
  for (size_t index : order) {
    sorted.steps.push_back(points.steps[index]);
    sorted.values.push_back(points.values[index]);
  }
  points = std::move(sorted);
}

ErrorInfo DamagedChunk(const std::string& metric_key, int64_t run_pk) {
  return MakeError(ErrorCode::kInternal, "stored chunk of metric '" + metric_key + "' of run row " +
                                             std::to_string(run_pk) +
                                             " is damaged: its sizes disagree");
}

// Writes one chunk (replacing the stored one with the same sequence).
// REQUIRES: `steps` is sorted and not empty; values.size() == steps.size().
Status PutChunk(Connection& connection, int64_t run_pk, const std::string& metric_key,
                int64_t sequence, std::span<const int64_t> steps, std::span<const double> values) {
  auto [min_value, max_value] = std::minmax_element(values.begin(), values.end());
  std::string packed_steps;
  std::string packed_values;
  Pack(steps, packed_steps);
  Pack(values, packed_values);
  Result<StatementRef> put = connection.Prepare(sql::kPutMetricChunk);
  if (!put) return put.error();
  (*put)->BindInt64(":run_pk", run_pk);
  (*put)->BindText(":metric_key", metric_key);
  (*put)->BindInt64(":sequence", sequence);
  (*put)->BindInt64(":first_step", steps.front());
  (*put)->BindInt64(":last_step", steps.back());
  (*put)->BindInt64(":point_count", static_cast<int64_t>(steps.size()));
  (*put)->BindDouble(":min_value", *min_value);
  (*put)->BindDouble(":max_value", *max_value);
  (*put)->BindBlob(":packed_steps", packed_steps);
  (*put)->BindBlob(":packed_values", packed_values);
  return (*put)->Execute();
}

// Appends one key's points (sorted by step) to its chunks.
Status AppendKeyPoints(Connection& connection, int64_t run_pk, const std::string& metric_key,
                       const MetricPoints& points) {
  const size_t total = points.steps.size();
  size_t next = 0;          // the first point of `points` not yet written
  int64_t sequence = 0;     // the number of the next new chunk
  MetricPoints last_chunk;  // the key's last chunk when it has room
  int64_t last_sequence = -1;
  {
    Result<StatementRef> select = connection.Prepare(sql::kSelectLastMetricChunk);
    if (!select) return select.error();
    (*select)->BindInt64(":run_pk", run_pk);
    (*select)->BindText(":metric_key", metric_key);
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (*row) {
      last_sequence = (*select)->ColumnInt64(0);
      sequence = last_sequence + 1;
      const auto count = static_cast<size_t>((*select)->ColumnInt64(1));
      if (count < kMaxPointsPerChunk) {
        last_chunk.steps.reserve(kMaxPointsPerChunk);
        last_chunk.values.reserve(kMaxPointsPerChunk);
        if (!UnpackInto((*select)->ColumnBlob(2), count, last_chunk.steps) ||
            !UnpackInto((*select)->ColumnBlob(3), count, last_chunk.values))
          return DamagedChunk(metric_key, run_pk);
      }
    }
  }
  if (!last_chunk.steps.empty()) {
    const size_t taken = std::min(kMaxPointsPerChunk - last_chunk.steps.size(), total);
    const bool in_order = last_chunk.steps.back() <= points.steps.front();
    last_chunk.steps.insert(last_chunk.steps.end(), points.steps.begin(),
                            points.steps.begin() + static_cast<std::ptrdiff_t>(taken));
    last_chunk.values.insert(last_chunk.values.end(), points.values.begin(),
                             points.values.begin() + static_cast<std::ptrdiff_t>(taken));
    if (!in_order) SortByStep(last_chunk);
    if (Status status = PutChunk(connection, run_pk, metric_key, last_sequence, last_chunk.steps,
                                 last_chunk.values);
        !status)
      return status;
    next = taken;
  }
  const std::span<const int64_t> steps(points.steps);
  const std::span<const double> values(points.values);
  while (next < total) {
    const size_t count = std::min(kMaxPointsPerChunk, total - next);
    if (Status status = PutChunk(connection, run_pk, metric_key, sequence++,
                                 steps.subspan(next, count), values.subspan(next, count));
        !status)
      return status;
    next += count;
  }
  return OkStatus();
}

}  // namespace

MetricPointCollector::MetricPointCollector(MetricPointsByKey& points, size_t expected_rows)
    : points_(points), expected_rows_(expected_rows) {}

void MetricPointCollector::Add(int64_t step, const Json& values) {
  if (!values.is_object()) return;
  size_t position = 0;
  for (const auto& [key, value] : values.get_ref<const Json::object_t&>()) {
    const size_t index = position++;
    // is_number() is false for booleans; strings, objects, arrays and null are skipped too.
    if (!value.is_number()) continue;
    const double number = value.get<double>();
    if (!std::isfinite(number)) continue;
    if (index >= series_by_position_.size()) series_by_position_.resize(index + 1);
    auto& [cached_key, series] = series_by_position_[index];
    if (series == nullptr || cached_key != key) {
      auto [entry, inserted] = points_.try_emplace(key);
      if (inserted && reserved_points_ + expected_rows_ <= kMaxReservedPoints) {
        entry->second.steps.reserve(expected_rows_);
        entry->second.values.reserve(expected_rows_);
        reserved_points_ += expected_rows_;
      }
      cached_key = entry->first;  // the map's node: stable while the entry lives
      series = &entry->second;
    }
    series->steps.push_back(step);
    series->values.push_back(number);
  }
}

void MetricPointCollector::Forget() {
  series_by_position_.clear();
  reserved_points_ = 0;
}

Status AppendMetricChunks(Connection& connection, int64_t run_pk, const MetricPointsByKey& points) {
  for (const auto& [metric_key, key_points] : points) {
    if (key_points.steps.empty()) continue;
    const MetricPoints* ordered = &key_points;
    MetricPoints sorted;  // a sorted copy, only when the points came out of order
    if (!std::is_sorted(key_points.steps.begin(), key_points.steps.end())) {
      sorted = key_points;
      SortByStep(sorted);
      ordered = &sorted;
    }
    if (Status status = AppendKeyPoints(connection, run_pk, metric_key, *ordered); !status)
      return status;
  }
  return OkStatus();
}

Status VisitStoredMetricPoints(Connection& connection, int64_t run_pk,
                               const std::string& metric_key, int64_t min_step, int64_t max_step,
                               MetricPointVisitor& visitor) {
  MetricRangeSummary summary;
  if (min_step <= max_step) {
    Result<StatementRef> summarize = connection.Prepare(sql::kSummarizeMetricChunks);
    if (!summarize) return summarize.error();
    (*summarize)->BindInt64(":run_pk", run_pk);
    (*summarize)->BindText(":metric_key", metric_key);
    (*summarize)->BindInt64(":min_step", min_step);
    (*summarize)->BindInt64(":max_step", max_step);
    Result<bool> row = (*summarize)->Step();
    if (!row) return row.error();
    if (*row) summary.point_count_bound = (*summarize)->ColumnInt64(0);
    if (summary.point_count_bound > 0) {
      summary.first_step = std::max(min_step, (*summarize)->ColumnInt64(1));
      summary.last_step = std::min(max_step, (*summarize)->ColumnInt64(2));
    }
  }
  visitor.OnRange(summary);
  if (summary.point_count_bound == 0) return OkStatus();
  Result<StatementRef> select = connection.Prepare(sql::kSelectMetricChunks);
  if (!select) return select.error();
  (*select)->BindInt64(":run_pk", run_pk);
  (*select)->BindText(":metric_key", metric_key);
  (*select)->BindInt64(":min_step", min_step);
  (*select)->BindInt64(":max_step", max_step);
  MetricPoints chunk;  // one decoded chunk at a time, the buffers reused
  chunk.steps.reserve(kMaxPointsPerChunk);
  chunk.values.reserve(kMaxPointsPerChunk);
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    const auto count = static_cast<size_t>((*select)->ColumnInt64(0));
    chunk.steps.clear();
    chunk.values.clear();
    if (!UnpackInto((*select)->ColumnBlob(1), count, chunk.steps) ||
        !UnpackInto((*select)->ColumnBlob(2), count, chunk.values))
      return DamagedChunk(metric_key, run_pk);
    // A chunk is in step order; the first and last ones may hold steps outside the range.
    const auto begin = std::lower_bound(chunk.steps.begin(), chunk.steps.end(), min_step);
    const auto end = std::upper_bound(begin, chunk.steps.end(), max_step);
    if (begin == end) continue;
    const auto offset = static_cast<size_t>(begin - chunk.steps.begin());
    const auto size = static_cast<size_t>(end - begin);
    visitor.OnPoints(std::span<const int64_t>(chunk.steps).subspan(offset, size),
                     std::span<const double>(chunk.values).subspan(offset, size));
  }
  return OkStatus();
}

Result<std::vector<std::string>> ReadMetricKeys(Connection& connection, int64_t run_pk) {
  Result<StatementRef> select = connection.Prepare(sql::kSelectMetricKeys);
  if (!select) return select.error();
  (*select)->BindInt64(":run_pk", run_pk);
  std::vector<std::string> keys;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    keys.push_back((*select)->ColumnText(0));
  }
  return keys;
}

Status BackfillMetricChunks(Connection& connection) {
  Result<StatementRef> select = connection.Prepare(sql::kSelectAllHistory);
  if (!select) return select.error();
  MetricPointsByKey pending;
  MetricPointCollector collector(pending, /*expected_rows=*/0);
  int64_t pending_run_pk = -1;
  size_t pending_points = 0;
  auto flush = [&]() -> Status {
    Status status = AppendMetricChunks(connection, pending_run_pk, pending);
    collector.Forget();
    pending.clear();
    pending_points = 0;
    return status;
  };
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    const int64_t run_pk = (*select)->ColumnInt64(0);
    if (run_pk != pending_run_pk || pending_points >= kBackfillFlushPoints) {
      if (Status status = flush(); !status) return status;
      pending_run_pk = run_pk;
    }
    Result<Json> values = ReadJsonColumn(**select, 2, "history row values");
    if (!values) return values.error();
    const size_t before = pending_points;
    collector.Add((*select)->ColumnInt64(1), *values);
    pending_points = before + values->size();  // an upper bound is enough for the flush
  }
  return flush();
}

}  // namespace runhook::store::sqlite
