// Per-metric series storage: the metric_chunks table (schema migration 7). Every finite numeric
// value of a history row (a JSON integer or float; not a boolean, string, object or NaN) is also
// a point (step, value) of its key's series. A key's points are packed into chunks of at most
// kMaxPointsPerChunk points (steps as int64, values as double, both little-endian), each row
// carrying its first and last step, point count and value range, so a chart reads a million
// points from a few hundred rows instead of parsing a million JSON history rows.
//
// Chunks are numbered per key in append order (`sequence`). Appends extend the key's last chunk
// while it has room, then start new ones. The points of one chunk are kept in step order (equal
// steps in append order); a point logged with a step below earlier ones is still stored, so
// chunks may overlap in steps. Reads stream chunk by chunk in append order (one chunk's points
// in memory at a time) and leave ordering across chunks to the reader.
//
// Thread safety: none; call with the connection serialised (SqliteStore's mutex).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

namespace runhook::store::sqlite {

// 2048 points are 32 KiB of packed data: a small batch rewrites at most that much per key, and
// a million points are about 500 rows.
inline constexpr size_t kMaxPointsPerChunk = 2048;

// Points waiting to be appended, by metric key, each key's in the order logged.
using MetricPointsByKey = std::map<std::string, MetricPoints>;

// Adds the finite numeric values of history rows to a MetricPointsByKey; values of other types
// are skipped. Rows of a batch usually repeat the previous row's keys in the same order, so each
// key is first compared with the key at its position in the previous row, and looked up in the
// map only when they differ.
// Borrows `points`, which must outlive the collector; call Forget() before removing entries.
class MetricPointCollector {
 public:
  // `expected_rows`: the capacity reserved for a key's points when it is first seen.
  MetricPointCollector(MetricPointsByKey& points, size_t expected_rows);

  // Adds the finite numeric values of one history row (`values`, a JSON object) at `step`.
  void Add(int64_t step, const Json& values);

  // Drops the cached positions (they point into `points`).
  void Forget();

 private:
  MetricPointsByKey& points_;
  size_t expected_rows_;
  size_t reserved_points_ = 0;
  // The key and series at each position of the rows added so far (the latest row's keys first).
  std::vector<std::pair<std::string_view, MetricPoints*>> series_by_position_;
};

// Appends `points` to the chunks of run `run_pk`: per key, the last chunk is read and rewritten
// once (when it has room) and the rest goes into new chunks.
// REQUIRES: inside a transaction (the caller's, so the points commit with their history rows).
Status AppendMetricChunks(Connection& connection, int64_t run_pk, const MetricPointsByKey& points);

// Store::VisitMetricPoints for run `run_pk`: one query sums the overlapping chunks' metadata for
// OnRange, then each chunk is decoded into one reused buffer and its points in the range go to
// OnPoints. Errors: kInternal when a stored chunk is damaged (its sizes disagree).
Status VisitStoredMetricPoints(Connection& connection, int64_t run_pk,
                               const std::string& metric_key, int64_t min_step, int64_t max_step,
                               MetricPointVisitor& visitor);

// The keys of run `run_pk` that have points, sorted.
Result<std::vector<std::string>> ReadMetricKeys(Connection& connection, int64_t run_pk);

// Fills metric_chunks from every row already in `history` (migrating an existing database).
// REQUIRES: inside the migration's transaction; metric_chunks exists and is empty.
Status BackfillMetricChunks(Connection& connection);

}  // namespace runhook::store::sqlite
