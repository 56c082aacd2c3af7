// History rows stored in blocks: the history_blocks table (schema migration 8). An append writes
// its rows as blocks of at most kMaxRowsPerBlock rows, one table row each, instead of one table
// row (and one index entry) per step: a block is the JSON text `[[step,{values}],...]` of its
// rows in append order, with its smallest and largest step and its row count beside it. Blocks
// are numbered per run in append order (`sequence`).
//
// Reads first select the overlapping blocks' bounds (no text), then parse only the blocks that
// can hold the rows asked for: a range read stops once the blocks left all start after the
// `limit`-th step found, a tail read once they all end before it. Rows come back in step order,
// equal steps in append order, as the row-per-step table returned them.
//
// Thread safety: none; call with the connection serialised (SqliteStore's mutex).
#pragma once

#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/run.h"
#include "store/sqlite_connection.h"

namespace runhook::store::sqlite {

// A batch of 1,000 rows of 5 metrics is one block of about 100 KB.
inline constexpr size_t kMaxRowsPerBlock = 1024;

// Appends `rows` as new blocks of run `run_pk`. A row's values are written as its values_json
// when it has one (copied as is: the caller vouches that it is the JSON text of `values`), else
// by AppendHistoryValuesJson.
// REQUIRES: inside a transaction (the caller's, so the rows commit with the run's update).
Status AppendHistoryBlocks(Connection& connection, int64_t run_pk,
                           const std::vector<core::HistoryRow>& rows);

// Rows with min_step <= step <= max_step in step order, at most `limit` (negative: no limit).
// Errors: kInternal when a stored block cannot be read.
Result<std::vector<core::HistoryRow>> ReadHistoryRange(Connection& connection, int64_t run_pk,
                                                       int64_t min_step, int64_t max_step,
                                                       int64_t limit);

// The last `limit` rows by step (ties: the last appended), in step order.
Result<std::vector<core::HistoryRow>> ReadLastHistory(Connection& connection, int64_t run_pk,
                                                      int64_t limit);

}  // namespace runhook::store::sqlite
