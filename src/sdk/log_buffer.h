// The in-memory side of Run::Log: pending history rows, wandb's step rules, and the summary.
//
// Append is the hot path: it interns keys (a repeated key order costs one string compare per
// key, no hashing) and writes rows into fixed-capacity chunks (LogChunk). A full chunk is set
// aside and the next one comes from a small free list of recycled chunks (allocated, and its
// pages touched, only when the list is empty), so Append never reallocates or copies a growing
// buffer, whatever the backlog. It does no I/O except a one-time warning. The shipping thread
// takes whole chunks with Drain and gives them back with Recycle once it has serialized them.
//
// Step rules (wandb's): without a step a row goes at the last step + 1 (the first at 0); a step
// equal to the last step merges into that row (a later value of a key wins); a larger step starts
// a new row there; a smaller step is ignored with a one-time warning on stderr. A merge into a row
// already drained, or one that does not fit in the row's chunk, starts a second row at the same
// step (the server merges them).
//
// Thread safety: every method may be called from any thread; one mutex guards the state. Append
// holds it for the call (appenders on several threads serialize: the step rules order them);
// Drain and Recycle hold it only to move chunk pointers and new key names (Drain also allocates a
// chunk when no free one is left), so the shipping thread keeps an Append waiting for no more.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "runhook/runhook.h"

namespace runhook::sdk {

// A logged value as kept internally: a LogValue's alternatives plus nested JSON.
using MetricValue = std::variant<bool, int64_t, double, std::string, Json>;

struct LoggedEntry {
  uint32_t key;  // index into the key names
  MetricValue value;
};

struct LoggedRow {
  int64_t step;
  uint32_t first_entry;  // index into the entries of the same chunk
  uint32_t entry_count;  // entries [first_entry, first_entry + entry_count); a later key wins
};

// A block of rows and their entries. Both vectors are reserved once, at the capacities below, and
// never grow, except `entries` for a single row of more than kEntries values (a chunk of its own).
struct LogChunk {
  static constexpr size_t kRows = 512;
  static constexpr size_t kEntries = 8 * kRows;

  LogChunk();
  // Room for one more row of `entry_count` values (an empty chunk takes any row).
  bool HasRoom(size_t entry_count) const {
    return rows.empty() ||
           (rows.size() < kRows && entries.size() + entry_count <= entries.capacity());
  }

  std::vector<LoggedRow> rows;
  std::vector<LoggedEntry> entries;
};

// What Drain hands over: whole chunks, in logged order. Reuse one instance across drains and give
// the chunks back with LogBuffer::Recycle (Drain recycles what the instance still holds);
// `key_names` only grows (index = key id).
struct DrainedRows {
  std::vector<std::unique_ptr<LogChunk>> chunks;
  std::vector<std::string> key_names;
  size_t row_count = 0;  // rows in all chunks

  // Calls visit(const LoggedRow&, std::span<const LoggedEntry> row_entries) for the rows
  // [first_row, end_row), counted across the chunks in order.
  template <typename Visit>
  void ForEachRow(size_t first_row, size_t end_row, Visit&& visit) const {
    size_t chunk_start = 0;  // index of the chunk's first row
    for (const auto& chunk : chunks) {
      const size_t chunk_end = chunk_start + chunk->rows.size();
      for (size_t index = std::max(first_row, chunk_start); index < std::min(end_row, chunk_end);
           ++index) {
        const LoggedRow& row = chunk->rows[index - chunk_start];
        visit(
            row,
            std::span<const LoggedEntry>(chunk->entries).subspan(row.first_entry, row.entry_count));
      }
      if (chunk_end >= end_row) return;
      chunk_start = chunk_end;
    }
  }
};

Json ToJson(const MetricValue& value);

class LogBuffer {
 public:
  enum class AppendResult {
    kAppended,
    kBatchFull,  // appended, and the pending rows just reached `batch_rows`: ship now
    kIgnored,    // step smaller than the last one, or the buffer is closed
  };

  // `batch_rows`: the pending row count at which Append reports kBatchFull.
  explicit LogBuffer(size_t batch_rows);

  AppendResult Append(std::initializer_list<std::pair<std::string_view, LogValue>> values,
                      std::optional<int64_t> step);
  // The same for pairs the caller keeps in its own (reused) storage.
  AppendResult Append(std::span<const std::pair<std::string_view, LogValue>> values,
                      std::optional<int64_t> step);
  // REQUIRES: `values` is a JSON object (the caller checks).
  AppendResult Append(const Json& values, std::optional<int64_t> step);

  // Moves every pending row into `out` (recycling the chunks `out` held before) and adds key
  // names first seen since the last drain to out.key_names.
  void Drain(DrainedRows& out);

  // Takes back the chunks of `drained` (which is left without rows) for later Appends, keeping at
  // most kMaxFreeChunks of them; the values they held are destroyed on the calling thread, before
  // the mutex is taken.
  void Recycle(DrainedRows& drained);

  // Continues a resumed run: the next row without a step goes at `last_step` + 1, and smaller
  // steps are ignored. REQUIRES: nothing was appended yet.
  void StartAfterStep(int64_t last_step);

  // Refuses further Appends (they return kIgnored with a one-time warning). Used by Finish.
  void Close();

  // The last value logged per key, keys in first-logged order.
  Json Summary() const;
  size_t pending_rows() const;
  // Rows begun so far (drained or pending; values merged into a row do not add one). The rows a
  // Drain hands over are numbered from the previous total on.
  uint64_t rows_logged() const;

 private:
  // Starts a row (with room for `entry_count` values) or decides to merge; returns false when
  // the call must be ignored.
  bool BeginRow(std::optional<int64_t> step, size_t entry_count);
  uint32_t InternKey(std::string_view key, size_t position);
  void AddEntry(uint32_t key, MetricValue value);
  AppendResult EndRow();
  // Sets current_ aside as full and continues in a free (or new) chunk.
  void StartChunk();
  std::unique_ptr<LogChunk> TakeFreeChunk();

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  // Free chunks kept for reuse: enough for the backlog of a few batches between drains. More are
  // freed by Recycle (after a burst the shipping thread caught up with).
  static constexpr size_t kMaxFreeChunks = 8;

  const size_t batch_rows_;
  mutable std::mutex mutex_;
  // All below guarded by mutex_.
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> key_ids_;
  std::vector<std::string> key_names_;                  // index = key id
  size_t key_names_drained_ = 0;                        // names already handed to Drain
  std::vector<uint32_t> previous_call_keys_;            // key ids of the last call, in order
  std::unique_ptr<LogChunk> current_;                   // rows are appended here; never null
  std::vector<std::unique_ptr<LogChunk>> full_chunks_;  // pending, in order, before current_
  std::vector<std::unique_ptr<LogChunk>> free_chunks_;  // empty, at most kMaxFreeChunks
  size_t pending_rows_ = 0;                             // rows in full_chunks_ and current_
  std::vector<std::optional<MetricValue>> summary_;     // index = key id
  int64_t last_step_ = -1;
  uint64_t rows_drained_ = 0;      // rows handed to Drain so far
  bool tail_row_pending_ = false;  // current_->rows.back() is at last_step_ and not drained yet
  bool closed_ = false;
  bool warned_step_ = false;
  bool warned_negative_step_ = false;
  bool warned_closed_ = false;
};

}  // namespace runhook::sdk
