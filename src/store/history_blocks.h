// History rows stored in blocks: the history_blocks table (schema migration 8). An append writes
// its rows as blocks of at most kMaxRowsPerBlock rows, one table row each, instead of one table
// row (and one index entry) per step: a block is its rows in append order in the compact history
// encoding (core/history_encoding.h: AppendBlock, bound as a BLOB; numbers kept as 8 bytes or a
// varint, not printed), with its smallest and largest step and its row count beside it. Blocks
// written before that encoding are the JSON text `[[step,{values}],...]` (starting with '[');
// reads accept both. Blocks are numbered per run in append order (`sequence`).
//
// Reads first select the overlapping blocks' bounds (no block bytes), then decode only the blocks
// that can hold the rows asked for: a range read stops once the blocks left all start after the
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

// A batch of 1,000 rows of 5 metrics is one block of about 55 KB.
inline constexpr size_t kMaxRowsPerBlock = 1024;

// Appends `rows` as new blocks of run `run_pk`, each written by core::history_encoding::
// AppendBlock. Errors: kInvalidArgument when a row cannot be encoded (values not an object, an
// empty metric key, a step below 0); the caller's transaction then stores none of them.
// REQUIRES: inside a transaction (the caller's, so the rows commit with the run's update).
Status AppendHistoryBlocks(Connection& connection, int64_t run_pk,
                           const std::vector<core::HistoryRow>& rows);

// Rows with min_step <= step <= max_step in step order, at most `limit` (negative: no limit).
// Errors: kInternal naming the block when a stored block cannot be decoded.
Result<std::vector<core::HistoryRow>> ReadHistoryRange(Connection& connection, int64_t run_pk,
                                                       int64_t min_step, int64_t max_step,
                                                       int64_t limit);

// The last `limit` rows by step (ties: the last appended), in step order.
Result<std::vector<core::HistoryRow>> ReadLastHistory(Connection& connection, int64_t run_pk,
                                                      int64_t limit);

}  // namespace runhook::store::sqlite
