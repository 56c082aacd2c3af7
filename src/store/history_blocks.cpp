#include "store/history_blocks.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/history_encoding.h"
#include "store/sql.h"

namespace runhook::store::sqlite {
namespace {

struct BlockBounds {
  int64_t sequence = 0;
  int64_t first_step = 0;
  int64_t last_step = 0;
};

// A row read from a block, with its place in append order (ties between equal steps).
struct PlacedRow {
  int64_t sequence = 0;
  size_t position = 0;
  core::HistoryRow row;
};

bool StepThenAppendOrder(const PlacedRow& left, const PlacedRow& right) {
  if (left.row.step != right.row.step) return left.row.step < right.row.step;
  if (left.sequence != right.sequence) return left.sequence < right.sequence;
  return left.position < right.position;
}

// A block as written before the compact encoding: the JSON text `[[step,{values}],...]`.
Status ReadJsonBlock(std::string_view text, std::vector<core::HistoryRow>& rows) {
  Json block = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!block.is_array()) return MakeError(ErrorCode::kInternal, "it is not a JSON list");
  rows.reserve(block.size());
  for (Json& entry : block) {
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_number_integer())
      return MakeError(ErrorCode::kInternal, "an entry is not [step, values]");
    rows.push_back(core::HistoryRow{entry[0].get<int64_t>(), std::move(entry[1])});
  }
  return OkStatus();
}

ErrorInfo DamagedBlock(int64_t run_pk, int64_t sequence, const std::string& what) {
  return MakeError(ErrorCode::kInternal, "stored history block " + std::to_string(sequence) +
                                             " of run row " + std::to_string(run_pk) +
                                             " is damaged: " + what);
}

// The bounds of the run's blocks that may hold steps in [min_step, max_step].
Result<std::vector<BlockBounds>> SelectBounds(Connection& connection, int64_t run_pk,
                                              int64_t min_step, int64_t max_step) {
  Result<StatementRef> select = connection.Prepare(sql::kSelectHistoryBlockBounds);
  if (!select) return select.error();
  (*select)->BindInt64(":run_pk", run_pk);
  (*select)->BindInt64(":min_step", min_step);
  (*select)->BindInt64(":max_step", max_step);
  std::vector<BlockBounds> bounds;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    bounds.push_back(BlockBounds{(*select)->ColumnInt64(0), (*select)->ColumnInt64(1),
                                 (*select)->ColumnInt64(2)});
  }
  return bounds;
}

// Adds the rows of block `sequence` with min_step <= step <= max_step to `out`. The block is the
// compact encoding's (core/history_encoding.h) or, written before it, JSON text.
Status ReadBlockRows(Connection& connection, int64_t run_pk, int64_t sequence, int64_t min_step,
                     int64_t max_step, std::vector<PlacedRow>& out) {
  Result<StatementRef> select = connection.Prepare(sql::kSelectHistoryBlock);
  if (!select) return select.error();
  (*select)->BindInt64(":run_pk", run_pk);
  (*select)->BindInt64(":sequence", sequence);
  Result<bool> found = (*select)->Step();
  if (!found) return found.error();
  if (!*found) return DamagedBlock(run_pk, sequence, "it disappeared while being read");
  const std::string_view bytes = (*select)->ColumnBlob(0);
  std::vector<core::HistoryRow> rows;
  if (bytes.starts_with(core::history_encoding::kBlockMagic)) {
    if (Status status = core::history_encoding::DecodeBlock(bytes, rows); !status)
      return DamagedBlock(run_pk, sequence, status.error().message);
  } else if (Status status = ReadJsonBlock(bytes, rows); !status) {
    return DamagedBlock(run_pk, sequence, status.error().message);
  }
  size_t position = 0;
  for (core::HistoryRow& row : rows) {
    if (row.step >= min_step && row.step <= max_step)
      out.push_back(PlacedRow{sequence, position, std::move(row)});
    ++position;
  }
  return OkStatus();
}

std::vector<core::HistoryRow> Unplace(std::vector<PlacedRow>& placed) {
  std::vector<core::HistoryRow> rows;
  rows.reserve(placed.size());
  for (PlacedRow& row : placed) rows.push_back(std::move(row.row));
  return rows;
}

Status InsertBlock(Connection& connection, int64_t run_pk, int64_t sequence,
                   std::span<const core::HistoryRow> rows, std::string& bytes) {
  bytes.clear();
  if (Status status = core::history_encoding::AppendBlock(rows, bytes); !status) return status;
  int64_t first_step = std::numeric_limits<int64_t>::max();
  int64_t last_step = std::numeric_limits<int64_t>::min();
  for (const core::HistoryRow& row : rows) {
    first_step = std::min(first_step, row.step);
    last_step = std::max(last_step, row.step);
  }
  Result<StatementRef> insert = connection.Prepare(sql::kInsertHistoryBlock);
  if (!insert) return insert.error();
  (*insert)->BindInt64(":run_pk", run_pk);
  (*insert)->BindInt64(":sequence", sequence);
  (*insert)->BindInt64(":first_step", first_step);
  (*insert)->BindInt64(":last_step", last_step);
  (*insert)->BindInt64(":row_count", static_cast<int64_t>(rows.size()));
  (*insert)->BindBlob(":block_rows", bytes);
  return (*insert)->Execute();
}

}  // namespace

Status AppendHistoryBlocks(Connection& connection, int64_t run_pk,
                           const std::vector<core::HistoryRow>& rows) {
  if (rows.empty()) return OkStatus();
  Result<StatementRef> next = connection.Prepare(sql::kNextHistoryBlockSequence);
  if (!next) return next.error();
  (*next)->BindInt64(":run_pk", run_pk);
  Result<bool> found = (*next)->Step();
  if (!found) return found.error();
  int64_t sequence = *found ? (*next)->ColumnInt64(0) : 0;
  std::string bytes;  // one block's encoding, the buffer reused
  const std::span<const core::HistoryRow> all(rows);
  for (size_t start = 0; start < rows.size(); start += kMaxRowsPerBlock) {
    const size_t count = std::min(kMaxRowsPerBlock, rows.size() - start);
    if (Status status =
            InsertBlock(connection, run_pk, sequence++, all.subspan(start, count), bytes);
        !status)
      return status;
  }
  return OkStatus();
}

Result<std::vector<core::HistoryRow>> ReadHistoryRange(Connection& connection, int64_t run_pk,
                                                       int64_t min_step, int64_t max_step,
                                                       int64_t limit) {
  const auto wanted = limit < 0 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(limit);
  if (wanted == 0 || min_step > max_step) return std::vector<core::HistoryRow>();
  Result<std::vector<BlockBounds>> bounds = SelectBounds(connection, run_pk, min_step, max_step);
  if (!bounds) return bounds.error();
  std::sort(bounds->begin(), bounds->end(), [](const BlockBounds& left, const BlockBounds& right) {
    return left.first_step != right.first_step ? left.first_step < right.first_step
                                               : left.sequence < right.sequence;
  });
  std::vector<PlacedRow> rows;
  for (const BlockBounds& block : *bounds) {
    if (rows.size() >= wanted) {
      // The first `wanted` rows so far end at step `last`; a block starting after it adds none.
      std::nth_element(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(wanted - 1),
                       rows.end(), StepThenAppendOrder);
      const int64_t last = rows[wanted - 1].row.step;
      if (block.first_step > last) break;
    }
    if (Status status = ReadBlockRows(connection, run_pk, block.sequence, min_step, max_step, rows);
        !status)
      return status.error();
  }
  std::sort(rows.begin(), rows.end(), StepThenAppendOrder);
  if (rows.size() > wanted) rows.resize(wanted);
  return Unplace(rows);
}

Result<std::vector<core::HistoryRow>> ReadLastHistory(Connection& connection, int64_t run_pk,
                                                      int64_t limit) {
  if (limit <= 0) return std::vector<core::HistoryRow>();
  const auto wanted = static_cast<size_t>(limit);
  Result<std::vector<BlockBounds>> bounds = SelectBounds(
      connection, run_pk, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  if (!bounds) return bounds.error();
  std::sort(bounds->begin(), bounds->end(), [](const BlockBounds& left, const BlockBounds& right) {
    return left.last_step != right.last_step ? left.last_step > right.last_step
                                             : left.sequence > right.sequence;
  });
  auto later_first = [](const PlacedRow& left, const PlacedRow& right) {
    return StepThenAppendOrder(right, left);
  };
  std::vector<PlacedRow> rows;
  for (const BlockBounds& block : *bounds) {
    if (rows.size() >= wanted) {
      // The last `wanted` rows so far start at step `first`; a block ending before it adds none.
      std::nth_element(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(wanted - 1),
                       rows.end(), later_first);
      const int64_t first = rows[wanted - 1].row.step;
      if (block.last_step < first) break;
    }
    if (Status status =
            ReadBlockRows(connection, run_pk, block.sequence, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max(), rows);
        !status)
      return status.error();
  }
  std::sort(rows.begin(), rows.end(), later_first);
  if (rows.size() > wanted) rows.resize(wanted);
  std::reverse(rows.begin(), rows.end());
  return Unplace(rows);
}

}  // namespace runhook::store::sqlite
