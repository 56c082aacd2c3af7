#include "server/history_batch_scanner.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "core/history_encoding.h"

namespace runhook::server {
namespace {

// More keys than this in one row: declined (the duplicate check compares each key with the ones
// before it).
constexpr size_t kMaxKeysPerRow = 256;

constexpr std::string_view kCompactType = core::history_encoding::kContentType;

// Reads the body left to right; every Read* returns false to decline.
class Scanner {
 public:
  explicit Scanner(std::string_view text)
      : position_(text.data()), end_(text.data() + text.size()) {}

  bool ReadBatch(HistoryBatch& batch) {
    if (!Consume('{')) return false;
    bool seen_batch_id = false;
    bool seen_rows = false;
    if (!Consume('}')) {
      do {
        std::string_view key;
        if (!ReadString(key) || !Consume(':')) return false;
        if (key == "batch_id" && !seen_batch_id) {
          std::string_view batch_id;
          if (!ReadString(batch_id)) return false;
          batch.batch_id = batch_id;
          seen_batch_id = true;
        } else if (key == "rows" && !seen_rows) {
          if (!ReadRows(batch.rows)) return false;
          seen_rows = true;
        } else {
          return false;
        }
      } while (Consume(','));
      if (!Consume('}')) return false;
    }
    SkipSpace();
    return seen_rows && position_ == end_;
  }

 private:
  void SkipSpace() {
    while (position_ != end_ &&
           (*position_ == ' ' || *position_ == '\n' || *position_ == '\r' || *position_ == '\t'))
      ++position_;
  }

  // Skips white space, then consumes `expected` if it is next.
  bool Consume(char expected) {
    SkipSpace();
    if (position_ == end_ || *position_ != expected) return false;
    ++position_;
    return true;
  }

  bool ConsumeWord(std::string_view word) {
    if (static_cast<size_t>(end_ - position_) < word.size() ||
        std::string_view(position_, word.size()) != word)
      return false;
    position_ += word.size();
    return true;
  }

  // A string of printable ASCII without escapes; `out` views the body.
  bool ReadString(std::string_view& out) {
    if (!Consume('"')) return false;
    const char* start = position_;
    while (position_ != end_) {
      const auto character = static_cast<unsigned char>(*position_);
      if (character == '"') {
        out = std::string_view(start, static_cast<size_t>(position_ - start));
        ++position_;
        return true;
      }
      if (character < 0x20 || character >= 0x7F || character == '\\') return false;
      ++position_;
    }
    return false;
  }

  bool ReadRows(std::vector<core::HistoryRow>& rows) {
    if (!Consume('[')) return false;
    if (Consume(']')) return true;
    size_t expected_keys = 0;  // the previous row's, to size the next one's object at once
    do {
      core::HistoryRow& row = rows.emplace_back();
      if (!ReadRow(row, expected_keys)) return false;
      expected_keys = row.values.size();
    } while (Consume(','));
    return Consume(']');
  }

  bool ReadRow(core::HistoryRow& row, size_t expected_keys) {
    if (!Consume('{')) return false;
    bool seen_step = false;
    bool seen_values = false;
    do {
      std::string_view key;
      if (!ReadString(key) || !Consume(':')) return false;
      if (key == "step" && !seen_step) {
        if (!ReadStep(row.step)) return false;
        seen_step = true;
      } else if (key == "values" && !seen_values) {
        if (!ReadValues(row.values, expected_keys)) return false;
        seen_values = true;
      } else {
        return false;
      }
    } while (Consume(','));
    return seen_step && seen_values && Consume('}');
  }

  bool ReadStep(int64_t& step) {
    SkipSpace();
    const char* start = position_;
    if (!SkipNumber()) return false;
    const std::string_view text(start, static_cast<size_t>(position_ - start));
    if (text.find_first_not_of("0123456789") != std::string_view::npos) return false;
    const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), step);
    return error == std::errc() && stop == text.data() + text.size();
  }

  bool ReadValues(Json& values, size_t expected_keys) {
    if (!Consume('{')) return false;
    Json::object_t& members = values.get_ref<Json::object_t&>();
    members.reserve(expected_keys);
    if (Consume('}')) return true;
    do {
      std::string_view key;
      // An empty key declines: the general way refuses it and says why.
      if (!ReadString(key) || key.empty() || !Consume(':')) return false;
      if (members.size() >= kMaxKeysPerRow) return false;
      for (const auto& member : members)
        if (member.first == key) return false;  // the general parser keeps the last: decline
      Json value;
      if (!ReadScalar(value)) return false;
      members.emplace_back(std::string(key), std::move(value));
    } while (Consume(','));
    return Consume('}');
  }

  bool ReadScalar(Json& value) {
    SkipSpace();
    if (position_ == end_) return false;
    switch (*position_) {
      case '"': {
        std::string_view text;
        if (!ReadString(text)) return false;
        value = std::string(text);
        return true;
      }
      case 't':
        value = true;
        return ConsumeWord("true");
      case 'f':
        value = false;
        return ConsumeWord("false");
      case 'n':
        value = nullptr;
        return ConsumeWord("null");
      default:
        return ReadNumber(value);
    }
  }

  // Moves past a number of JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool SkipNumber() {
    auto digit = [this] { return position_ != end_ && *position_ >= '0' && *position_ <= '9'; };
    auto digits = [&] {
      if (!digit()) return false;
      while (digit()) ++position_;
      return true;
    };
    if (position_ != end_ && *position_ == '-') ++position_;
    if (position_ != end_ && *position_ == '0') {
      ++position_;
    } else if (!digits()) {
      return false;
    }
    if (position_ != end_ && *position_ == '.') {
      ++position_;
      if (!digits()) return false;
    }
    if (position_ != end_ && (*position_ == 'e' || *position_ == 'E')) {
      ++position_;
      if (position_ != end_ && (*position_ == '+' || *position_ == '-')) ++position_;
      if (!digits()) return false;
    }
    return true;
  }

  bool ReadNumber(Json& value) {
    const char* start = position_;
    if (!SkipNumber()) return false;
    const char* stop = position_;
    bool integral = true;
    for (const char* character = start; character != stop; ++character)
      if (*character == '.' || *character == 'e' || *character == 'E') integral = false;
    if (integral && *start == '-') {
      int64_t number = 0;
      const auto [end, error] = std::from_chars(start, stop, number);
      if (error != std::errc() || end != stop) return false;
      value = number;
    } else if (integral) {
      uint64_t number = 0;
      const auto [end, error] = std::from_chars(start, stop, number);
      if (error != std::errc() || end != stop) return false;
      value = number;
    } else {
      double number = 0;
      const auto [end, error] = std::from_chars(start, stop, number);
      if (error != std::errc() || end != stop) return false;
      value = number;
    }
    return true;
  }

  const char* position_;
  const char* const end_;
};

}  // namespace

std::optional<HistoryBatch> ScanHistoryBatch(std::string_view body) {
  HistoryBatch batch;
  Scanner scanner(body);
  if (!scanner.ReadBatch(batch)) return std::nullopt;
  return batch;
}

Result<HistoryBatch> ParseHistoryBatchBody(std::string_view body) {
  if (std::optional<HistoryBatch> batch = ScanHistoryBatch(body)) return std::move(*batch);
  Result<Json> json = ParseJsonObject(body);
  if (!json) return json.error();
  return ParseHistoryBatch(*json);
}

bool IsCompactHistoryContentType(std::string_view content_type) {
  const std::string_view media_type = content_type.substr(0, content_type.find(';'));
  const size_t first = media_type.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  const std::string_view trimmed =
      media_type.substr(first, media_type.find_last_not_of(" \t") + 1 - first);
  return std::equal(trimmed.begin(), trimmed.end(), kCompactType.begin(), kCompactType.end(),
                    [](char left, char right) {
                      return std::tolower(static_cast<unsigned char>(left)) == right;
                    });
}

Result<HistoryBatch> ParseHistoryRequestBody(std::string_view content_type, std::string_view body) {
  if (!IsCompactHistoryContentType(content_type)) return ParseHistoryBatchBody(body);
  Result<core::history_encoding::DecodedBatch> decoded = core::history_encoding::DecodeBody(body);
  if (!decoded) return decoded.error();
  return HistoryBatch{std::move(decoded->batch_id), std::move(decoded->rows)};
}

}  // namespace runhook::server
