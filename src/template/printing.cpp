// Python-exact str() and repr(). See printing.h.
#include "template/printing.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "template/unicode.h"

namespace runhook::templating {

namespace {

constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Shortest round-trip digits of `magnitude` (in [1e-4, 1e16)) in fixed notation, when they are
// at most 15 significant digits: the smallest number of fraction digits d whose nearest decimal
// r / 10^d converts back to the same double. Up to 15 digits, two such decimals are several
// ulps apart, so the first d found is the unique shortest (what repr and to_chars print).
// Both r and 10^d are exact doubles, so r / 10^d is the correctly rounded value of the decimal,
// exactly what parsing it gives. Returns false when there are more digits.
bool ShortestFixed(double magnitude, uint64_t* scaled, int* digits) {
  for (int d = 0; d <= 19; ++d) {
    double product = magnitude * kPowersOfTen[d];
    if (product >= 1e15) return false;
    double rounded = std::nearbyint(product);
    if (rounded / kPowersOfTen[d] == magnitude) {
      *scaled = static_cast<uint64_t>(rounded);
      *digits = d;
      return true;
    }
  }
  return false;
}

// repr(float) the exact way, for what ShortestFixed does not cover.
std::string FormatFloatExactly(double value) {
  double magnitude = std::fabs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    // Python prints these in fixed notation with the shortest digits that round-trip, which is
    // what to_chars writes in fixed format; Python adds ".0" to an integral value.
    char buffer[64];  // at most 16 integer or 4 + 17 fraction digits, a sign and a point
    auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
    std::string_view fixed(buffer, static_cast<size_t>(result.ptr - buffer));
    std::string out;
    out.reserve(fixed.size() + 2);
    out.append(fixed);
    if (fixed.find('.') == std::string_view::npos) out.append(".0");
    return out;
  }
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buffer[64];
  auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string_view scientific(buffer, static_cast<size_t>(result.ptr - buffer));
  bool negative = scientific[0] == '-';
  if (negative) scientific.remove_prefix(1);
  size_t e = scientific.find('e');
  std::string digits;
  for (char c : scientific.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(scientific.data() + e + 1 + (scientific[e + 1] == '+' ? 1 : 0),
                  scientific.data() + scientific.size(), exponent);
  int decimal_point = exponent + 1;  // value = 0.digits * 10^decimal_point
  std::string out = negative ? "-" : "";
  if (decimal_point <= -4 || decimal_point > 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char exponent_text[16];
    std::snprintf(exponent_text, sizeof(exponent_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exponent_text;
  } else if (decimal_point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decimal_point), '0');
    out += digits;
  } else if (static_cast<size_t>(decimal_point) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(decimal_point) - digits.size(), '0');
    out += ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(decimal_point));
    out += '.';
    out += digits.substr(static_cast<size_t>(decimal_point));
  }
  return out;
}

}  // namespace

double PowerOfTen(int digits) { return kPowersOfTen[digits]; }

bool RoundToScaledDecimal(double magnitude, int digits, uint64_t* scaled) {
  if (digits < 0 || digits > 22) return false;
  // The product's rounding error is at most half an ulp of a number below 1e12 (about 6e-5),
  // so unless its fraction is within 1e-3 of one half, rounding it to nearest rounds the exact
  // product the same way.
  double product = magnitude * kPowersOfTen[digits];
  if (!(product < 1e12)) return false;
  double floor = std::floor(product);
  double fraction = product - floor;
  if (std::fabs(fraction - 0.5) < 1e-3) return false;
  *scaled = static_cast<uint64_t>(fraction > 0.5 ? floor + 1 : floor);
  return true;
}

namespace {

// Writes scaled / 10^digits (with `suffix` after it) ending at `end`; returns where it starts.
char* WriteScaledDecimal(uint64_t scaled, int digits, char* end) {
  char* position = end;
  int written = 0;
  do {
    *--position = static_cast<char>('0' + scaled % 10);
    scaled /= 10;
    if (++written == digits) *--position = '.';
  } while (scaled != 0);
  while (written < digits) {  // 0.05 for 5 with 2 digits
    *--position = '0';
    if (++written == digits) *--position = '.';
  }
  if (digits > 0 && *position == '.') *--position = '0';
  return position;
}

// Appends the float scaled / 10^digits (negated when `negative`) as Python's repr writes it in
// fixed notation: "-12.5", "3.0".
void AppendFixedFloatRepr(uint64_t scaled, int digits, bool negative, std::string* out) {
  char buffer[48];
  char* end = buffer + sizeof(buffer);
  if (digits == 0) {  // Python adds ".0" to an integral value
    *--end = '0';
    *--end = '.';
  }
  char* begin = WriteScaledDecimal(scaled, digits, end);
  if (negative) *--begin = '-';
  out->append(begin, buffer + sizeof(buffer));
}

}  // namespace

void AppendScaledDecimal(uint64_t scaled, int digits, std::string* out) {
  char buffer[48];
  char* begin = WriteScaledDecimal(scaled, digits, buffer + sizeof(buffer));
  out->append(begin, buffer + sizeof(buffer));
}

bool AppendRoundedFloat(double value, int digits, std::string* out) {
  uint64_t scaled = 0;
  if (!std::isfinite(value) || !RoundToScaledDecimal(std::fabs(value), digits, &scaled)) {
    return false;
  }
  if (scaled == 0) {  // Python's round keeps the sign: round(-0.001, 2) is -0.0
    out->append(std::signbit(value) ? "-0.0" : "0.0");
    return true;
  }
  while (digits > 0 && scaled % 10 == 0) {
    scaled /= 10;
    --digits;
  }
  // Below 1e-4, that is scaled < 10^(digits - 4), repr switches to exponent notation.
  if (digits > 4 && static_cast<double>(scaled) < kPowersOfTen[digits - 4]) return false;
  AppendFixedFloatRepr(scaled, digits, value < 0, out);
  return true;
}

void AppendFloat(double value, std::string* out) {
  double magnitude = std::fabs(value);
  uint64_t scaled = 0;
  int digits = 0;
  if (magnitude >= 1e-4 && magnitude < 1e16 && ShortestFixed(magnitude, &scaled, &digits)) {
    AppendFixedFloatRepr(scaled, digits, value < 0, out);
    return;
  }
  out->append(FormatFloatExactly(value));
}

std::string FormatFloat(double value) {
  std::string out;
  AppendFloat(value, &out);
  return out;
}

void AppendStringRepr(std::string_view text, std::string* out) {
  bool has_single = text.find('\'') != std::string_view::npos;
  bool has_double = text.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  out->push_back(quote);
  for (uint32_t c : DecodeUtf8(text)) {
    if (c == static_cast<uint32_t>(quote) || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\t') {
      *out += "\\t";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '\r') {
      *out += "\\r";
    } else if (IsPrintable(c)) {
      AppendUtf8(c, out);
    } else {
      char escape[16];
      if (c < 0x100) {
        std::snprintf(escape, sizeof(escape), "\\x%02x", c);
      } else if (c < 0x10000) {
        std::snprintf(escape, sizeof(escape), "\\u%04x", c);
      } else {
        std::snprintf(escape, sizeof(escape), "\\U%08x", c);
      }
      *out += escape;
    }
  }
  out->push_back(quote);
}

void AppendRepr(const Value& value, std::string* out) {
  switch (value.kind()) {
    case Value::Kind::kString:
      if (value.is_markup()) {
        *out += "Markup(";
        AppendStringRepr(value.as_string(), out);
        *out += ')';
      } else {
        AppendStringRepr(value.as_string(), out);
      }
      return;
    case Value::Kind::kUndefined:
      *out += "Undefined";
      return;
    case Value::Kind::kList:
    case Value::Kind::kTuple: {
      bool tuple = value.is_tuple();
      *out += tuple ? '(' : '[';
      size_t size = value.SequenceSize();
      for (size_t i = 0; i < size; ++i) {
        if (i > 0) *out += ", ";
        AppendRepr(value.SequenceAt(i), out);
      }
      if (tuple && size == 1) *out += ',';
      *out += tuple ? ')' : ']';
      return;
    }
    case Value::Kind::kDict: {
      *out += '{';
      bool first = true;
      for (const auto& [key, item] : value.DictItems()) {
        if (!first) *out += ", ";
        first = false;
        AppendRepr(key, out);
        *out += ": ";
        AppendRepr(item, out);
      }
      *out += '}';
      return;
    }
    default:
      AppendStr(value, out);
  }
}

void AppendStr(const Value& value, std::string* out) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return;
    case Value::Kind::kNone:
      *out += "None";
      return;
    case Value::Kind::kBool:
      *out += value.as_bool() ? "True" : "False";
      return;
    case Value::Kind::kInt: {
      char buffer[32];
      auto result = std::to_chars(buffer, buffer + sizeof(buffer), value.as_int());
      out->append(buffer, result.ptr);
      return;
    }
    case Value::Kind::kFloat:
      AppendFloat(value.as_double(), out);
      return;
    case Value::Kind::kString:
      *out += value.as_string();
      return;
    case Value::Kind::kList:
    case Value::Kind::kTuple:
    case Value::Kind::kDict:
      AppendRepr(value, out);
      return;
    case Value::Kind::kCallable:
      *out += value.as_callable().Repr();
      return;
    case Value::Kind::kNamespace: {
      *out += "<Namespace {";
      bool first = true;
      for (const auto& [key, item] : value.as_namespace().attributes) {
        if (!first) *out += ", ";
        first = false;
        AppendRepr(key, out);
        *out += ": ";
        AppendRepr(item, out);
      }
      *out += "}>";
      return;
    }
    case Value::Kind::kLoop: {
      const LoopData& loop = value.as_loop();
      *out += "<LoopContext " + std::to_string(loop.index0 + 1) + "/" +
              std::to_string(loop.length) + ">";
      return;
    }
  }
}

std::string Str(const Value& value) {
  if (value.is_string()) return std::string(value.as_string());
  std::string out;
  AppendStr(value, &out);
  return out;
}

std::string Repr(const Value& value) {
  std::string out;
  AppendRepr(value, &out);
  return out;
}

}  // namespace runhook::templating
