// Unicode tables generated from Python's own database (see tools/generate_unicode_tables.py).
#pragma once

#include <cstddef>
#include <cstdint>

namespace runhook::templating::unicode_tables {

struct CodeRange {
  uint32_t first, last;  // inclusive
};
struct CaseMapping {
  uint32_t code_point;
  uint8_t length;  // 1..3 code points
  uint32_t mapped[3];
};

// Sorted by code_point / first.
extern const CaseMapping kUpper[], kLower[], kTitle[];
extern const size_t kUpperSize, kLowerSize, kTitleSize;
extern const CodeRange kSpace[], kWord[], kPrintable[], kCased[], kCaseIgnorable[], kDecimal[];
extern const size_t kSpaceSize, kWordSize, kPrintableSize, kCasedSize, kCaseIgnorableSize,
    kDecimalSize;

}  // namespace runhook::templating::unicode_tables
