// The in-memory side of Run::Log: pending history rows, wandb's step rules, and the summary.
//
// Append is the hot path: it interns keys (a repeated key order costs one string compare per
// key, no hashing), appends to flat vectors whose capacity is recycled by Drain, and never does
// I/O except a one-time warning. The shipping thread takes everything pending with Drain.
//
// Step rules (wandb's): without a step a row goes at the last step + 1 (the first at 0); a step
// equal to the last step merges into that row (a later value of a key wins); a larger step starts
// a new row there; a smaller step is ignored with a one-time warning on stderr.
//
// Thread safety: every method may be called from any thread; one mutex guards the state.
#pragma once

#include <cstdint>
#include <initializer_list>
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
  uint32_t first_entry;  // index into the entries of the same drain
  uint32_t entry_count;  // entries [first_entry, first_entry + entry_count); a later key wins
};

// What Drain hands over. Reuse one instance across drains: its vectors' capacity is swapped back
// into the buffer, and `key_names` only grows (index = key id).
struct DrainedRows {
  std::vector<LoggedRow> rows;
  std::vector<LoggedEntry> entries;
  std::vector<std::string> key_names;
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

  // Moves every pending row into `out` (clearing what `out` held before) and adds key names
  // first seen since the last drain to out.key_names.
  void Drain(DrainedRows& out);

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
  // Starts a row or decides to merge; returns false when the call must be ignored.
  bool BeginRow(std::optional<int64_t> step);
  uint32_t InternKey(std::string_view key, size_t position);
  void AddEntry(uint32_t key, MetricValue value);
  AppendResult EndRow();

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  const size_t batch_rows_;
  mutable std::mutex mutex_;
  // All below guarded by mutex_.
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> key_ids_;
  std::vector<std::string> key_names_;        // index = key id
  size_t key_names_drained_ = 0;              // names already handed to Drain
  std::vector<uint32_t> previous_call_keys_;  // key ids of the last call, in order
  std::vector<LoggedRow> rows_;
  std::vector<LoggedEntry> entries_;
  std::vector<std::optional<MetricValue>> summary_;  // index = key id
  int64_t last_step_ = -1;
  uint64_t rows_drained_ = 0;      // rows handed to Drain so far
  bool tail_row_pending_ = false;  // rows_.back() is at last_step_ and not drained yet
  bool closed_ = false;
  bool warned_step_ = false;
  bool warned_closed_ = false;
};

}  // namespace runhook::sdk
