#include "core/history_encoding.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/utf8.h"

namespace runhook::core::history_encoding {
namespace {

constexpr uint64_t kMaxStep = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

std::string Hex(uint8_t byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string{'0', 'x', kDigits[byte >> 4], kDigits[byte & 0xF]};
}

// Reads fields left to right; every Read* returns false after recording the error, which names
// the byte offset where the faulty field starts.
class Reader {
 public:
  Reader(std::string_view bytes, std::string_view what) : bytes_(bytes), what_(what) {}

  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }
  ErrorInfo TakeError() { return std::move(error_); }

  bool Fail(size_t offset, const std::string& problem) {
    error_ = MakeError(ErrorCode::kInvalidArgument, std::string(what_) + " is malformed at byte " +
                                                        std::to_string(offset) + ": " + problem);
    return false;
  }

  bool ReadMagic(std::string_view magic) {
    if (bytes_.size() >= magic.size() && bytes_.substr(0, magic.size()) == magic) {
      position_ = magic.size();
      return true;
    }
    const std::string_view name = magic.substr(0, 3);
    if (bytes_.size() >= magic.size() && bytes_.substr(0, 3) == name)
      return Fail(3, "version " + std::to_string(static_cast<uint8_t>(bytes_[3])) +
                         " is not supported (this server reads version " +
                         std::to_string(static_cast<uint8_t>(magic[3])) + ")");
    return Fail(0, "wrong magic: expected '" + std::string(name) + "' " +
                       Hex(static_cast<uint8_t>(magic[3])));
  }

  // `field` names the varint for the error ("the step of row 3").
  bool ReadUvarint(uint64_t& value, const char* field) {
    const size_t start = position_;
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ == bytes_.size())
        return Fail(start, std::string("truncated varint (") + field + ")");
      const auto byte = static_cast<uint8_t>(bytes_[position_++]);
      if (shift == 63 && byte > 1)
        return Fail(start, std::string("varint overflows 64 bits (") + field + ")");
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        value = result;
        return true;
      }
    }
    return Fail(start, std::string("varint overflows 64 bits (") + field + ")");
  }

  // A length-prefixed UTF-8 string, viewing the bytes.
  bool ReadString(std::string_view& text, const char* field) {
    const size_t start = position_;
    uint64_t length = 0;
    if (!ReadUvarint(length, field)) return false;
    if (length > remaining())
      return Fail(start, std::string("truncated string (") + field + ": " + std::to_string(length) +
                             " bytes announced, " + std::to_string(remaining()) + " left)");
    text = bytes_.substr(position_, length);
    const size_t invalid = FindInvalidUtf8(text);
    if (invalid != std::string_view::npos)
      return Fail(position_ + invalid, std::string("invalid UTF-8 (") + field + ")");
    position_ += length;
    return true;
  }

  bool ReadRowsSection(std::vector<HistoryRow>& rows) {
    uint64_t key_count = 0;
    const size_t key_count_at = position_;
    if (!ReadUvarint(key_count, "the key count")) return false;
    if (key_count > remaining())  // a key takes at least one byte (its length)
      return Fail(key_count_at, "key count " + std::to_string(key_count) +
                                    " exceeds what the remaining bytes can hold");
    std::vector<std::string> keys(key_count);
    std::unordered_map<std::string_view, size_t> seen;
    seen.reserve(key_count);
    for (uint64_t index = 0; index < key_count; ++index) {
      const size_t start = position_;
      std::string_view key;
      if (!ReadString(key, "a key")) return false;
      keys[index] = std::string(key);
      if (!seen.emplace(key, index).second)
        return Fail(start, "duplicate key \"" + keys[index] + "\" in the key table");
    }
    uint64_t row_count = 0;
    const size_t row_count_at = position_;
    if (!ReadUvarint(row_count, "the row count")) return false;
    if (row_count > kMaxRowsPerSection)
      return Fail(row_count_at, "row count " + std::to_string(row_count) +
                                    " is above the limit of " + std::to_string(kMaxRowsPerSection) +
                                    " rows per batch");
    if (row_count > remaining() / 2)  // a row takes at least two bytes
      return Fail(row_count_at, "row count " + std::to_string(row_count) +
                                    " exceeds what the remaining bytes can hold");
    rows.reserve(rows.size() + row_count);
    // last_row[k]: 1 + the row that last used key k, to find a duplicate key in O(1).
    std::vector<uint64_t> last_row(key_count, 0);
    for (uint64_t row_index = 0; row_index < row_count; ++row_index) {
      HistoryRow& row = rows.emplace_back();
      if (!ReadRow(row, row_index, keys, last_row)) return false;
    }
    return true;
  }

  bool ReadEnd() {
    if (position_ == bytes_.size()) return true;
    return Fail(position_, std::to_string(remaining()) + " trailing bytes after the last row");
  }

 private:
  bool ReadRow(HistoryRow& row, uint64_t row_index, const std::vector<std::string>& keys,
               std::vector<uint64_t>& last_row) {
    const size_t step_at = position_;
    uint64_t step = 0;
    if (!ReadUvarint(step, "a step")) return false;
    if (step > kMaxStep)
      return Fail(step_at, "step " + std::to_string(step) + " of row " + std::to_string(row_index) +
                               " is above 2^63 - 1");
    row.step = static_cast<int64_t>(step);
    const size_t count_at = position_;
    uint64_t value_count = 0;
    if (!ReadUvarint(value_count, "a value count")) return false;
    if (value_count > keys.size())
      return Fail(count_at, "row " + std::to_string(row_index) + " has " +
                                std::to_string(value_count) + " values but the key table has " +
                                std::to_string(keys.size()) + " keys");
    Json::object_t& members = row.values.get_ref<Json::object_t&>();
    members.reserve(value_count);
    for (uint64_t value_index = 0; value_index < value_count; ++value_index) {
      const size_t key_at = position_;
      uint64_t key_index = 0;
      if (!ReadUvarint(key_index, "a key index")) return false;
      if (key_index >= keys.size())
        return Fail(key_at, "key index " + std::to_string(key_index) + " out of range (" +
                                std::to_string(keys.size()) + " keys)");
      if (last_row[key_index] == row_index + 1)
        return Fail(key_at, "duplicate key \"" + keys[key_index] + "\" in row " +
                                std::to_string(row_index));
      last_row[key_index] = row_index + 1;
      Json& value = members.emplace_back(keys[key_index], nullptr).second;
      if (!ReadValue(value)) return false;
    }
    return true;
  }

  bool ReadValue(Json& value) {
    const size_t tag_at = position_;
    if (position_ == bytes_.size()) return Fail(tag_at, "truncated value: the tag is missing");
    const auto tag = static_cast<uint8_t>(bytes_[position_++]);
    switch (static_cast<Tag>(tag)) {
      case Tag::kNull:
        return true;  // already null
      case Tag::kFalse:
        value = false;
        return true;
      case Tag::kTrue:
        value = true;
        return true;
      case Tag::kFloat: {
        if (remaining() < sizeof(double))
          return Fail(tag_at,
                      "truncated float: 8 bytes needed, " + std::to_string(remaining()) + " left");
        double number = 0;
        std::memcpy(&number, bytes_.data() + position_, sizeof(number));
        position_ += sizeof(number);
        if (std::isfinite(number)) value = number;  // NaN and infinities stay null
        return true;
      }
      case Tag::kNegativeInteger: {
        const size_t payload_at = position_;
        uint64_t magnitude = 0;
        if (!ReadUvarint(magnitude, "a negative integer")) return false;
        if (magnitude > kMaxStep)
          return Fail(payload_at, "negative integer -(" + std::to_string(magnitude) +
                                      " + 1) is below INT64_MIN");
        value = -static_cast<int64_t>(magnitude) - 1;
        return true;
      }
      case Tag::kInteger: {
        uint64_t number = 0;
        if (!ReadUvarint(number, "an integer")) return false;
        value = number;
        return true;
      }
      case Tag::kString: {
        std::string_view text;
        if (!ReadString(text, "a string value")) return false;
        value = std::string(text);
        return true;
      }
      case Tag::kJsonText: {
        const size_t text_at = position_;
        std::string_view text;
        if (!ReadString(text, "JSON text")) return false;
        try {
          value = Json::parse(text);
        } catch (const Json::exception& error) {  // parse_error, or out_of_range for 1e400
          return Fail(text_at, std::string("JSON text does not parse: ") + error.what());
        }
        if (!value.is_object() && !value.is_array())
          return Fail(text_at, "JSON text of tag 0x07 is not an object or a list");
        return true;
      }
    }
    return Fail(tag_at, "unknown tag " + Hex(tag));
  }

  std::string_view bytes_;
  std::string_view what_;
  size_t position_ = 0;
  ErrorInfo error_;
};

}  // namespace

void AppendValidString(std::string_view text, std::string& out) {
  if (FindInvalidUtf8(text) == std::string_view::npos) return AppendString(text, out);
  AppendString(RepairUtf8(text), out);
}

void AppendJsonValue(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return AppendTag(Tag::kNull, out);
    case Json::value_t::boolean:
      return AppendTag(value.get<bool>() ? Tag::kTrue : Tag::kFalse, out);
    case Json::value_t::number_float:
      return AppendFloat(value.get<double>(), out);
    case Json::value_t::number_integer:
      return AppendInteger(value.get<int64_t>(), out);
    case Json::value_t::number_unsigned:
      AppendTag(Tag::kInteger, out);
      return AppendUvarint(value.get<uint64_t>(), out);
    case Json::value_t::string:
      AppendTag(Tag::kString, out);
      return AppendValidString(value.get_ref<const std::string&>(), out);
    case Json::value_t::object:
    case Json::value_t::array:
    case Json::value_t::binary:
      AppendTag(Tag::kJsonText, out);
      return AppendString(value.dump(-1, ' ', false, Json::error_handler_t::replace), out);
  }
}

Result<DecodedBatch> DecodeBody(std::string_view body) {
  Reader reader(body, "history body");
  DecodedBatch batch;
  std::string_view batch_id;
  if (!reader.ReadMagic(kBodyMagic)) return reader.TakeError();
  const size_t batch_id_at = reader.position();
  if (!reader.ReadString(batch_id, "the batch id")) return reader.TakeError();
  if (batch_id.empty()) {
    reader.Fail(batch_id_at, "batch_id is empty");
    return reader.TakeError();
  }
  batch.batch_id = std::string(batch_id);
  if (!reader.ReadRowsSection(batch.rows) || !reader.ReadEnd()) return reader.TakeError();
  return batch;
}

Status AppendBlock(std::span<const HistoryRow> rows, std::string& out) {
  // Pass 1: the key table, and each value's key index in row order. Rows usually repeat the
  // previous row's keys in the same order, so that guess is tried before the map.
  std::vector<std::string_view> keys;
  std::unordered_map<std::string_view, uint32_t> key_indexes;
  std::vector<uint32_t> value_keys;
  size_t value_total = 0;
  for (size_t row_index = 0; row_index < rows.size(); ++row_index) {
    const HistoryRow& row = rows[row_index];
    if (row.step < 0)
      return MakeError(ErrorCode::kInvalidArgument, "history row " + std::to_string(row_index) +
                                                        ": step " + std::to_string(row.step) +
                                                        " is below 0");
    if (row.values.is_null()) continue;  // written as an empty object
    if (!row.values.is_object())
      return MakeError(ErrorCode::kInvalidArgument, "history row " + std::to_string(row_index) +
                                                        " (step " + std::to_string(row.step) +
                                                        "): values are not an object");
    value_total += row.values.size();
  }
  value_keys.reserve(value_total);
  size_t previous_row_start = 0;
  size_t previous_row_size = 0;
  for (const HistoryRow& row : rows) {
    const size_t row_start = value_keys.size();
    size_t position = 0;
    if (row.values.is_null()) continue;
    for (const auto& [key, value] : row.values.get_ref<const Json::object_t&>()) {
      if (position < previous_row_size) {
        const uint32_t guess = value_keys[previous_row_start + position];
        if (keys[guess] == key) {
          value_keys.push_back(guess);
          ++position;
          continue;
        }
      }
      auto [found, inserted] =
          key_indexes.emplace(std::string_view(key), static_cast<uint32_t>(keys.size()));
      if (inserted) keys.push_back(key);
      value_keys.push_back(found->second);
      ++position;
    }
    previous_row_start = row_start;
    previous_row_size = position;
  }
  // Pass 2: magic, key table, rows.
  out.reserve(out.size() + kBlockMagic.size() + 16 + keys.size() * 16 + rows.size() * 4 +
              value_total * 10);
  out.append(kBlockMagic);
  AppendUvarint(keys.size(), out);
  for (std::string_view key : keys) AppendValidString(key, out);
  AppendUvarint(rows.size(), out);
  size_t next_value = 0;
  for (const HistoryRow& row : rows) {
    AppendUvarint(static_cast<uint64_t>(row.step), out);
    AppendUvarint(row.values.size(), out);  // 0 for null
    if (row.values.is_null()) continue;
    for (const auto& member : row.values.get_ref<const Json::object_t&>()) {
      AppendUvarint(value_keys[next_value++], out);
      AppendJsonValue(member.second, out);
    }
  }
  return OkStatus();
}

Status DecodeBlock(std::string_view block, std::vector<HistoryRow>& rows) {
  Reader reader(block, "history block");
  if (!reader.ReadMagic(kBlockMagic) || !reader.ReadRowsSection(rows) || !reader.ReadEnd())
    return reader.TakeError();
  return OkStatus();
}

}  // namespace runhook::core::history_encoding
