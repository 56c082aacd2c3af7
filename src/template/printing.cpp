// Python-exact str() and repr(). See printing.h.
#include "template/printing.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "template/unicode.h"

namespace runhook::templating {

std::string FormatFloat(double value) {
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
      *out += FormatFloat(value.as_double());
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
              std::to_string(loop.items->size()) + ">";
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
