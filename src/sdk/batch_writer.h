// Serializes drained rows as the body of POST RUN/history:
//   {"batch_id":"b-...","rows":[{"step":0,"values":{"loss":0.5,"epoch":0}}]}
//
// Written by hand rather than through a JSON tree because the shipping thread must keep up with
// a training loop logging at full speed: key names are escaped once, numbers go through
// std::to_chars (shortest round-trip form; floats always keep a '.' or an exponent so they stay
// floats; NaN and infinities become null, as nlohmann's dump does). Within a row a later value of
// a key replaces an earlier one (the merge rule) and the key keeps its first position, so no key
// appears twice.
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
  const std::string& QuotedKey(const DrainedRows& drained, uint32_t key);

  static constexpr uint32_t kWritten = UINT32_MAX;
  std::vector<std::string> quoted_keys_;  // index = key id: "\"loss\":"
  std::vector<uint32_t> latest_entry_;    // index = key id: scratch for the row being written
  size_t bytes_per_row_ = 0;              // of the last batch: sizes the next body up front
};

// Appends `text` as a JSON string literal (quotes included); invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string_view text, std::string& out);

// Appends `value` as JSON.
void AppendJsonValue(const MetricValue& value, std::string& out);

}  // namespace runhook::sdk
