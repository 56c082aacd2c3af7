// Serializes drained rows as the body of POST RUN/history in the compact history encoding,
// version 1 (docs/history-encoding.md; sent as core::history_encoding::kContentType):
//   magic, batch id, the batch's key table, then per row its step and (key index, tagged value)
//   pairs.
//
// Written by hand because the shipping thread must keep up with a training loop logging at full
// speed: numbers are copied as 8 bytes (floats) or varints (integers), never printed. The key
// table holds the keys the batch uses, in order of first use. Values: bool as true/false, int64
// as an integer, double as a float (NaN and infinities too; readers map them to null), string as a
// string, nested JSON through core::history_encoding::AppendJsonValue. Keys and strings that are
// not valid UTF-8 get U+FFFD for the invalid bytes (the server refuses invalid UTF-8). Within a row
// a later value of a key replaces an earlier one (the merge rule) and the key keeps its first
// position, so no key appears twice.
//
// Not thread-safe; used by the shipping thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sdk/log_buffer.h"

namespace runhook::sdk {

class BatchWriter {
 public:
  // Appends rows [first_row, end_row) of `drained` as one batch body to `out` (cleared first).
  void Write(const std::string& batch_id, const DrainedRows& drained, size_t first_row,
             size_t end_row, std::string& out);

 private:
  static constexpr uint32_t kUnused = UINT32_MAX;
  std::vector<uint32_t> table_index_;   // index = key id: its index in this batch's key table
  std::vector<uint32_t> table_keys_;    // key ids of this batch's key table, in order
  std::vector<uint32_t> latest_entry_;  // index = key id: scratch for the row being written
  size_t bytes_per_row_ = 0;            // of the last batch: sizes the next body up front
};

}  // namespace runhook::sdk
