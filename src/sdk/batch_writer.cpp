#include "sdk/batch_writer.h"

#include "core/history_encoding.h"

namespace runhook::sdk {
namespace {

namespace encoding = core::history_encoding;

void AppendValue(const MetricValue& value, std::string& out) {
  switch (value.index()) {
    case 0:
      encoding::AppendTag(std::get<bool>(value) ? encoding::Tag::kTrue : encoding::Tag::kFalse,
                          out);
      break;
    case 1:
      encoding::AppendInteger(std::get<int64_t>(value), out);
      break;
    case 2:
      encoding::AppendFloat(std::get<double>(value), out);
      break;
    case 3:
      encoding::AppendTag(encoding::Tag::kString, out);
      encoding::AppendValidString(std::get<std::string>(value), out);
      break;
    default:
      encoding::AppendJsonValue(std::get<Json>(value), out);
      break;
  }
}

}  // namespace

void BatchWriter::Write(const std::string& batch_id, const DrainedRows& drained, size_t first_row,
                        size_t end_row, std::string& out) {
  out.clear();
  // One allocation per body in steady state (the last batch's bytes per row, plus an eighth).
  out.reserve(64 + (end_row - first_row) * (bytes_per_row_ + bytes_per_row_ / 8));
  table_index_.resize(drained.key_names.size(), kUnused);
  latest_entry_.resize(drained.key_names.size(), kUnused);
  out.append(encoding::kBodyMagic);
  encoding::AppendString(batch_id, out);

  // The key table: the keys these rows use, in order of first use.
  table_keys_.clear();
  drained.ForEachRow(first_row, end_row, [&](const LoggedRow&, std::span<const LoggedEntry> row) {
    for (const LoggedEntry& entry : row) {
      if (table_index_[entry.key] != kUnused) continue;
      table_index_[entry.key] = static_cast<uint32_t>(table_keys_.size());
      table_keys_.push_back(entry.key);
    }
  });
  encoding::AppendUvarint(table_keys_.size(), out);
  for (uint32_t key : table_keys_) encoding::AppendValidString(drained.key_names[key], out);

  encoding::AppendUvarint(end_row - first_row, out);
  drained.ForEachRow(first_row, end_row,
                     [&](const LoggedRow& row, std::span<const LoggedEntry> entries) {
                       encoding::AppendUvarint(static_cast<uint64_t>(row.step), out);
                       // A merged row may hold a key twice: it is written once, where it first
                       // appeared, with the value logged last.
                       size_t distinct_keys = 0;
                       for (uint32_t entry = 0; entry < entries.size(); ++entry) {
                         uint32_t& latest = latest_entry_[entries[entry].key];
                         distinct_keys += latest == kUnused;
                         latest = entry;
                       }
                       encoding::AppendUvarint(distinct_keys, out);
                       for (const LoggedEntry& entry : entries) {
                         uint32_t& latest = latest_entry_[entry.key];
                         if (latest == kUnused) continue;
                         encoding::AppendUvarint(table_index_[entry.key], out);
                         AppendValue(entries[latest].value, out);
                         latest = kUnused;
                       }
                     });
  for (uint32_t key : table_keys_) table_index_[key] = kUnused;
  if (end_row > first_row) bytes_per_row_ = out.size() / (end_row - first_row) + 1;
}

}  // namespace runhook::sdk
