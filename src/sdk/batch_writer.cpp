#include "sdk/batch_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace runhook::sdk {
namespace {

void AppendDouble(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char text[40];
  char* end = std::to_chars(text, text + 32, value).ptr;
  // Integral values print without '.' and exponent ("3", "1e+20" has one): keep them floats.
  if (std::find_if(text, end, [](char c) { return c == '.' || c == 'e'; }) == end) {
    end[0] = '.';
    end[1] = '0';
    end += 2;
  }
  out.append(text, end);
}

void AppendInteger(int64_t value, std::string& out) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof text, value);
  out.append(text, result.ptr - text);
}

}  // namespace

void AppendJsonString(std::string_view text, std::string& out) {
  // nlohmann's dump escapes control characters and replaces invalid UTF-8 for us.
  out += Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendJsonValue(const MetricValue& value, std::string& out) {
  switch (value.index()) {
    case 0:
      out += std::get<bool>(value) ? "true" : "false";
      break;
    case 1:
      AppendInteger(std::get<int64_t>(value), out);
      break;
    case 2:
      AppendDouble(std::get<double>(value), out);
      break;
    case 3:
      AppendJsonString(std::get<std::string>(value), out);
      break;
    default:
      out += std::get<Json>(value).dump(-1, ' ', false, Json::error_handler_t::replace);
      break;
  }
}

const std::string& BatchWriter::QuotedKey(const DrainedRows& drained, uint32_t key) {
  if (key < quoted_keys_.size()) [[likely]]
    return quoted_keys_[key];
  while (quoted_keys_.size() <= key) {
    std::string quoted;
    AppendJsonString(drained.key_names[quoted_keys_.size()], quoted);
    quoted += ':';
    quoted_keys_.push_back(std::move(quoted));
  }
  return quoted_keys_[key];
}

void BatchWriter::Write(const std::string& batch_id, const DrainedRows& drained, size_t first_row,
                        size_t end_row, std::string& out) {
  out.clear();
  // One allocation per body in steady state (the last batch's bytes per row, plus an eighth).
  out.reserve(64 + (end_row - first_row) * (bytes_per_row_ + bytes_per_row_ / 8));
  latest_entry_.resize(drained.key_names.size(), kWritten);
  out += "{\"batch_id\":";
  AppendJsonString(batch_id, out);
  out += ",\"rows\":[";
  bool first_in_batch = true;
  drained.ForEachRow(first_row, end_row,
                     [&](const LoggedRow& row, std::span<const LoggedEntry> entries) {
                       if (!first_in_batch) out += ',';
                       first_in_batch = false;
                       out += "{\"step\":";
                       AppendInteger(row.step, out);
                       out += ",\"values\":{";
                       // A merged row may hold a key twice: it is written once, where it first
                       // appeared, with the value logged last.
                       for (uint32_t entry = 0; entry < entries.size(); ++entry)
                         latest_entry_[entries[entry].key] = entry;
                       bool first_value = true;
                       for (const LoggedEntry& entry : entries) {
                         uint32_t& latest = latest_entry_[entry.key];
                         if (latest == kWritten) continue;
                         if (!first_value) out += ',';
                         first_value = false;
                         out += QuotedKey(drained, entry.key);
                         AppendJsonValue(entries[latest].value, out);
                         latest = kWritten;
                       }
                       out += "}}";
                     });
  out += "]}";
  if (end_row > first_row) bytes_per_row_ = out.size() / (end_row - first_row) + 1;
}

}  // namespace runhook::sdk
