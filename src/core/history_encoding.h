// The compact history encoding, version 1 (docs/history-encoding.md): the byte layout of a
// POST RUN/history body sent as application/vnd.runhook.history.v1, and of the stored history
// blocks' rows. The SDK writes it (sdk/batch_writer.h); the server reads it into the same rows the
// JSON body reads to, and the store keeps blocks in its row form.
//
// The Append* primitives are inline because the SDK's shipping thread calls them per value.
// Everything here is a pure function; thread-safe.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/run.h"

namespace runhook::core::history_encoding {

inline constexpr std::string_view kContentType = "application/vnd.runhook.history.v1";
inline constexpr std::string_view kBodyMagic{"RHH\x01", 4};
inline constexpr std::string_view kBlockMagic{"RHB\x01", 4};

// The most rows one body (or block) may hold. The SDK sends 1,000 per batch; the cap keeps a body
// of two-byte empty rows (a few KB under zstd) from making the server build millions of rows.
inline constexpr uint64_t kMaxRowsPerSection = 100'000;

enum class Tag : uint8_t {
  kNull = 0x00,
  kFalse = 0x01,
  kTrue = 0x02,
  kFloat = 0x03,
  kNegativeInteger = 0x04,  // payload: uvarint of -(value + 1)
  kInteger = 0x05,          // 0 or above; payload: uvarint
  kString = 0x06,
  kJsonText = 0x07,  // an object or list; payload: string of its JSON text
};

inline void AppendUvarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

inline void AppendString(std::string_view text, std::string& out) {
  AppendUvarint(text.size(), out);
  out.append(text);
}

// AppendString of `text` with each invalid UTF-8 sequence replaced by U+FFFD (the decoder refuses
// invalid UTF-8). Costs one scan, eight ASCII bytes at a time, when the text is valid.
void AppendValidString(std::string_view text, std::string& out);

inline void AppendTag(Tag tag, std::string& out) { out.push_back(static_cast<char>(tag)); }

// Tag and payload of a float.
inline void AppendFloat(double value, std::string& out) {
  static_assert(std::endian::native == std::endian::little, "the encoding is little-endian");
  char bytes[1 + sizeof(double)];
  bytes[0] = static_cast<char>(Tag::kFloat);
  std::memcpy(bytes + 1, &value, sizeof(double));
  out.append(bytes, sizeof(bytes));
}

// Tag and payload of a signed integer (kInteger when >= 0, else kNegativeInteger).
inline void AppendInteger(int64_t value, std::string& out) {
  if (value >= 0) {
    AppendTag(Tag::kInteger, out);
    AppendUvarint(static_cast<uint64_t>(value), out);
  } else {
    AppendTag(Tag::kNegativeInteger, out);
    AppendUvarint(static_cast<uint64_t>(-(value + 1)), out);
  }
}

// Tag and payload of any JSON scalar or structure, as the table in the document maps them:
// unsigned integers as kInteger, signed ones by AppendInteger, objects and lists as their compact
// JSON text. Invalid UTF-8 in strings becomes U+FFFD. Never fails.
void AppendJsonValue(const Json& value, std::string& out);

// A decoded body: the batch id and its rows (values as JSON objects, keys in the order sent).
struct DecodedBatch {
  std::string batch_id;
  std::vector<HistoryRow> rows;
};

// Reads a whole body (magic included) without a document of it: each row's values object is
// built directly (keys copied from the key table). Integers read as the JSON path reads them
// (kInteger unsigned, kNegativeInteger signed), NaN and infinities as null. The error
// (kInvalidArgument) is "history body is malformed at byte N: <what>"; nothing partial is
// returned.
Result<DecodedBatch> DecodeBody(std::string_view body);

// Appends kBlockMagic and the rows section of `rows` (one key table for all of them, keys in
// first-seen order); null values are written as an empty object. On error `out` may hold a
// partial block.
// Errors: kInvalidArgument when a row's values are neither an object nor null, a key is empty or a
// step is below 0.
Status AppendBlock(std::span<const HistoryRow> rows, std::string& out);

// Reads a stored block written by AppendBlock, appending its rows to `rows` (on error some may
// have been appended). Errors: kInvalidArgument "history block is malformed at byte N: <what>".
Status DecodeBlock(std::string_view block, std::vector<HistoryRow>& rows);

}  // namespace runhook::core::history_encoding
