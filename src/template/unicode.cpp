// UTF-8 helpers and Python-compatible case mapping. See unicode.h.
#include "template/unicode.h"

#include <algorithm>
#include <cstring>

#include "template/unicode_tables.h"

namespace runhook::templating {
namespace {

using unicode_tables::CaseMapping;
using unicode_tables::CodeRange;

bool InRanges(const CodeRange* ranges, size_t size, uint32_t code_point) {
  const CodeRange* end = ranges + size;
  const CodeRange* it =
      std::upper_bound(ranges, end, code_point,
                       [](uint32_t value, const CodeRange& range) { return value < range.first; });
  if (it == ranges) return false;
  --it;
  return code_point <= it->last;
}

const CaseMapping* FindMapping(const CaseMapping* table, size_t size, uint32_t code_point) {
  const CaseMapping* end = table + size;
  const CaseMapping* it = std::lower_bound(
      table, end, code_point,
      [](const CaseMapping& mapping, uint32_t value) { return mapping.code_point < value; });
  if (it == end || it->code_point != code_point) return nullptr;
  return it;
}

void AppendMapped(const CaseMapping* table, size_t size, uint32_t code_point,
                  std::vector<uint32_t>* out) {
  if (code_point < 0x80) {
    out->push_back(code_point);  // callers handle ASCII themselves; identity here
    return;
  }
  const CaseMapping* mapping = FindMapping(table, size, code_point);
  if (mapping == nullptr) {
    out->push_back(code_point);
    return;
  }
  for (int i = 0; i < mapping->length; ++i) out->push_back(mapping->mapped[i]);
}

bool IsCaseIgnorable(uint32_t code_point) {
  return InRanges(unicode_tables::kCaseIgnorable, unicode_tables::kCaseIgnorableSize, code_point);
}

// Python's final sigma rule: capital sigma at `index` lowercases to final sigma when preceded by
// a cased letter and not followed by one (case-ignorable characters skipped both ways).
bool IsFinalSigma(const std::vector<uint32_t>& text, size_t index) {
  size_t before = index;
  while (before > 0) {
    uint32_t c = text[before - 1];
    if (!IsCaseIgnorable(c)) break;
    --before;
  }
  if (before == 0 || !IsCased(text[before - 1])) return false;
  size_t after = index + 1;
  while (after < text.size() && IsCaseIgnorable(text[after])) ++after;
  return after == text.size() || !IsCased(text[after]);
}

}  // namespace

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Decodes one code point at `*offset` and advances it.
static uint32_t DecodeAt(std::string_view text, size_t* offset) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  size_t at = *offset;
  unsigned char lead = byte(at);
  int length = lead < 0x80         ? 1
               : (lead >> 5) == 6  ? 2
               : (lead >> 4) == 14 ? 3
               : (lead >> 3) == 30 ? 4
                                   : 0;
  if (length == 0 || at + static_cast<size_t>(length) > text.size()) {
    *offset = at + 1;
    return lead;
  }
  uint32_t code = length == 1   ? lead
                  : length == 2 ? (lead & 0x1F)
                  : length == 3 ? (lead & 0x0F)
                                : (lead & 0x07);
  for (int i = 1; i < length; ++i) {
    unsigned char next = byte(at + static_cast<size_t>(i));
    if ((next & 0xC0) != 0x80) {
      *offset = at + 1;
      return lead;
    }
    code = (code << 6) | (next & 0x3F);
  }
  *offset = at + static_cast<size_t>(length);
  return code;
}

std::vector<uint32_t> DecodeUtf8(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) out.push_back(DecodeAt(text, &offset));
  return out;
}

std::string EncodeUtf8(const std::vector<uint32_t>& code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (uint32_t code_point : code_points) AppendUtf8(code_point, &out);
  return out;
}

size_t CodePointCount(std::string_view text) {
  size_t count = 0;
  size_t offset = 0;
  while (offset < text.size()) {
    if (static_cast<unsigned char>(text[offset]) < 0x80) {
      ++offset;
    } else {
      DecodeAt(text, &offset);
    }
    ++count;
  }
  return count;
}

std::string DecodeOne(std::string_view text, size_t offset) {
  size_t end = offset;
  DecodeAt(text, &end);
  return std::string(text.substr(offset, end - offset));
}

void AppendUpper(uint32_t code_point, std::vector<uint32_t>* out) {
  if (code_point < 0x80) {
    out->push_back(code_point >= 'a' && code_point <= 'z' ? code_point - 32 : code_point);
    return;
  }
  AppendMapped(unicode_tables::kUpper, unicode_tables::kUpperSize, code_point, out);
}

void AppendLower(uint32_t code_point, std::vector<uint32_t>* out) {
  if (code_point < 0x80) {
    out->push_back(code_point >= 'A' && code_point <= 'Z' ? code_point + 32 : code_point);
    return;
  }
  AppendMapped(unicode_tables::kLower, unicode_tables::kLowerSize, code_point, out);
}

bool IsAscii(std::string_view text) {
  uint64_t high_bits = 0;  // eight bytes at a time
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    high_bits |= word;
  }
  for (; i < text.size(); ++i) high_bits |= static_cast<unsigned char>(text[i]);
  return (high_bits & 0x8080808080808080ULL) == 0;
}

std::string PythonUpper(std::string_view text) {
  if (IsAscii(text)) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return out;
  }
  std::vector<uint32_t> mapped;
  for (uint32_t code_point : DecodeUtf8(text)) AppendUpper(code_point, &mapped);
  return EncodeUtf8(mapped);
}

std::string PythonLower(std::string_view text) {
  if (IsAscii(text)) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
  }
  std::vector<uint32_t> code_points = DecodeUtf8(text);
  std::vector<uint32_t> mapped;
  for (size_t i = 0; i < code_points.size(); ++i) {
    if (code_points[i] == 0x3A3) {
      mapped.push_back(IsFinalSigma(code_points, i) ? 0x3C2 : 0x3C3);
    } else {
      AppendLower(code_points[i], &mapped);
    }
  }
  return EncodeUtf8(mapped);
}

std::string PythonCapitalize(std::string_view text) {
  if (IsAscii(text)) {
    std::string out(text);
    for (size_t i = 0; i < out.size(); ++i) {
      char c = out[i];
      if (i == 0 && c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 32);
      if (i > 0 && c >= 'A' && c <= 'Z') out[i] = static_cast<char>(c + 32);
    }
    return out;
  }
  std::vector<uint32_t> code_points = DecodeUtf8(text);
  if (code_points.empty()) return "";
  std::vector<uint32_t> mapped;
  uint32_t first = code_points[0];
  if (first < 0x80) {
    AppendUpper(first, &mapped);
  } else {
    AppendMapped(unicode_tables::kTitle, unicode_tables::kTitleSize, first, &mapped);
  }
  for (size_t i = 1; i < code_points.size(); ++i) {
    if (code_points[i] == 0x3A3) {
      mapped.push_back(IsFinalSigma(code_points, i) ? 0x3C2 : 0x3C3);
    } else {
      AppendLower(code_points[i], &mapped);
    }
  }
  return EncodeUtf8(mapped);
}

bool IsPythonSpace(uint32_t code_point) {
  if (code_point < 0x80) {
    return code_point == ' ' || (code_point >= 0x09 && code_point <= 0x0D) ||
           (code_point >= 0x1C && code_point <= 0x1F);
  }
  return InRanges(unicode_tables::kSpace, unicode_tables::kSpaceSize, code_point);
}

bool IsWordCharacter(uint32_t code_point) {
  if (code_point < 0x80) {
    return (code_point >= 'a' && code_point <= 'z') || (code_point >= 'A' && code_point <= 'Z') ||
           (code_point >= '0' && code_point <= '9') || code_point == '_';
  }
  return InRanges(unicode_tables::kWord, unicode_tables::kWordSize, code_point);
}

bool IsPrintable(uint32_t code_point) {
  if (code_point < 0x80) return code_point >= 0x20 && code_point < 0x7F;
  return InRanges(unicode_tables::kPrintable, unicode_tables::kPrintableSize, code_point);
}

bool IsCased(uint32_t code_point) {
  return InRanges(unicode_tables::kCased, unicode_tables::kCasedSize, code_point);
}

bool IsUpperCase(uint32_t code_point) {
  return IsCased(code_point) &&
         (code_point < 0x80 ? (code_point >= 'A' && code_point <= 'Z')
                            : FindMapping(unicode_tables::kLower, unicode_tables::kLowerSize,
                                          code_point) != nullptr);
}

bool IsLowerCase(uint32_t code_point) {
  return IsCased(code_point) &&
         (code_point < 0x80 ? (code_point >= 'a' && code_point <= 'z')
                            : FindMapping(unicode_tables::kUpper, unicode_tables::kUpperSize,
                                          code_point) != nullptr);
}

}  // namespace runhook::templating
