// Python string formatting. See formatting.h.
#include "template/formatting.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "template/arguments.h"
#include "template/errors.h"
#include "template/operators.h"
#include "template/printing.h"
#include "template/renderer.h"
#include "template/unicode.h"

namespace runhook::templating {
namespace {

struct Spec {
  uint32_t fill = ' ';
  char align = '\0';
  char sign = '-';
  bool alternate = false;
  bool zero = false;
  int width = -1;
  char grouping = '\0';
  int precision = -1;
  char type = '\0';
};

// Widths and precisions past this are refused (Python accepts up to sys.maxsize and then fails
// to allocate; the sandbox caps strings at about this size anyway).
constexpr int kMaxFormatNumber = 1 << 20;

// Appends one decimal digit to a width or precision, refusing values past kMaxFormatNumber.
int AddFormatDigit(int number, uint32_t digit, const char* message) {
  if (number > (kMaxFormatNumber - static_cast<int>(digit - '0')) / 10) {
    ThrowEval("ValueError", message);
  }
  return number * 10 + static_cast<int>(digit - '0');
}

Spec ParseSpec(std::string_view text) {
  Spec spec;
  std::vector<uint32_t> cps = DecodeUtf8(text);
  size_t i = 0;
  auto is_align = [](uint32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (cps.size() >= 2 && is_align(cps[1])) {
    spec.fill = cps[0];
    spec.align = static_cast<char>(cps[1]);
    i = 2;
  } else if (!cps.empty() && is_align(cps[0])) {
    spec.align = static_cast<char>(cps[0]);
    i = 1;
  }
  if (i < cps.size() && (cps[i] == '+' || cps[i] == '-' || cps[i] == ' '))
    spec.sign = static_cast<char>(cps[i++]);
  if (i < cps.size() && cps[i] == '#') {
    spec.alternate = true;
    ++i;
  }
  if (i < cps.size() && cps[i] == '0') {
    spec.zero = true;
    ++i;
  }
  if (i < cps.size() && cps[i] >= '0' && cps[i] <= '9') {
    spec.width = 0;
    while (i < cps.size() && cps[i] >= '0' && cps[i] <= '9')
      spec.width = AddFormatDigit(spec.width, cps[i++], "Too many decimal digits in format string");
  }
  if (i < cps.size() && (cps[i] == ',' || cps[i] == '_'))
    spec.grouping = static_cast<char>(cps[i++]);
  if (i < cps.size() && cps[i] == '.') {
    ++i;
    if (i >= cps.size() || cps[i] < '0' || cps[i] > '9')
      ThrowEval("ValueError", "Format specifier missing precision");
    spec.precision = 0;
    while (i < cps.size() && cps[i] >= '0' && cps[i] <= '9')
      spec.precision =
          AddFormatDigit(spec.precision, cps[i++], "Too many decimal digits in format string");
  }
  if (i < cps.size()) spec.type = static_cast<char>(cps[i++]);
  if (i < cps.size()) ThrowEval("ValueError", "Invalid format specifier");
  return spec;
}

std::string Group(const std::string& digits, char separator) {
  std::string out;
  int count = 0;
  for (size_t i = digits.size(); i > 0; --i) {
    if (count > 0 && count % 3 == 0) out.insert(out.begin(), separator);
    out.insert(out.begin(), digits[i - 1]);
    ++count;
  }
  return out;
}

std::string Pad(const std::string& sign, const std::string& body, const Spec& spec,
                char default_align) {
  char align = spec.align ? spec.align : default_align;
  uint32_t fill = spec.fill;
  if (spec.zero && !spec.align) {
    align = '=';
    fill = '0';
  }
  size_t length = CodePointCount(sign) + CodePointCount(body);
  if (spec.width < 0 || length >= static_cast<size_t>(spec.width)) return sign + body;
  size_t padding = static_cast<size_t>(spec.width) - length;
  std::string fill_text;
  AppendUtf8(fill, &fill_text);
  auto repeat = [&](size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += fill_text;
    return out;
  };
  switch (align) {
    case '<':
      return sign + body + repeat(padding);
    case '^':
      return repeat(padding / 2) + sign + body + repeat(padding - padding / 2);
    case '=':
      return sign + repeat(padding) + body;
    default:
      return repeat(padding) + sign + body;
  }
}

std::string CFormat(const char* conversion, int precision, double value, bool alternate) {
  if (conversion[0] == 'f' && !alternate && std::isfinite(value)) {
    // Exact, like printf's %.Nf (both round the binary value's exact decimal expansion, ties to
    // even), without parsing a format string.
    uint64_t scaled = 0;
    if (!std::signbit(value) && RoundToScaledDecimal(value, precision, &scaled)) {
      std::string out;
      AppendScaledDecimal(scaled, precision, &out);
      return out;
    }
    char fixed[1024];
    auto result =
        std::to_chars(fixed, fixed + sizeof(fixed), value, std::chars_format::fixed, precision);
    if (result.ec == std::errc()) return std::string(fixed, result.ptr);
  }
  char format[16];
  std::snprintf(format, sizeof(format), "%%%s.%d%s", alternate ? "#" : "", precision, conversion);
  char buffer[512];
  int written = std::snprintf(buffer, sizeof(buffer), format, value);
  if (written >= static_cast<int>(sizeof(buffer))) {
    std::string big(static_cast<size_t>(written) + 1, '\0');
    std::snprintf(big.data(), big.size(), format, value);
    big.resize(static_cast<size_t>(written));
    return big;
  }
  return std::string(buffer, static_cast<size_t>(written));
}

std::string FormatFloatSpec(double value, const Spec& spec) {
  std::string sign;
  bool negative = std::signbit(value) && !std::isnan(value);
  double magnitude = std::fabs(value);
  if (negative) {
    sign = "-";
  } else if (spec.sign == '+') {
    sign = "+";
  } else if (spec.sign == ' ') {
    sign = " ";
  }
  std::string body;
  char type = spec.type;
  if (std::isnan(magnitude) || std::isinf(magnitude)) {
    body = std::isnan(magnitude) ? "nan" : "inf";
    if (type == 'E' || type == 'F' || type == 'G') body = std::isnan(magnitude) ? "NAN" : "INF";
    if (type == '%') body += "%";
    return Pad(sign, body, spec, '>');
  }
  if (type == '\0' && spec.precision < 0) {
    body = FormatFloat(magnitude);
  } else if (type == '\0') {
    body = CFormat("g", spec.precision == 0 ? 1 : spec.precision, magnitude, spec.alternate);
    if (body.find_first_of(".e") == std::string::npos)
      body += ".0";
    else if (body.find('e') != std::string::npos && body.find('.') == std::string::npos) {
      // Python keeps "1e+03" as is for the general form
    }
  } else if (type == 'f' || type == 'F' || type == '%') {
    double shown = type == '%' ? magnitude * 100 : magnitude;
    body = CFormat("f", spec.precision < 0 ? 6 : spec.precision, shown, spec.alternate);
    if (type == '%') body += "%";
  } else if (type == 'e' || type == 'E') {
    body = CFormat(type == 'e' ? "e" : "E", spec.precision < 0 ? 6 : spec.precision, magnitude,
                   spec.alternate);
  } else if (type == 'g' || type == 'G' || type == 'n') {
    int precision = spec.precision < 0 ? 6 : (spec.precision == 0 ? 1 : spec.precision);
    body = CFormat(type == 'G' ? "G" : "g", precision, magnitude, spec.alternate);
  } else {
    ThrowEval("ValueError",
              std::string("Unknown format code '") + type + "' for object of type 'float'");
  }
  if (spec.grouping) {
    size_t end = body.find_first_not_of("0123456789");
    if (end == std::string::npos) end = body.size();
    body = Group(body.substr(0, end), spec.grouping) + body.substr(end);
  }
  return Pad(sign, body, spec, '>');
}

std::string FormatIntSpec(int64_t value, const Spec& spec) {
  char type = spec.type;
  if (type == 'e' || type == 'E' || type == 'f' || type == 'F' || type == 'g' || type == 'G' ||
      type == '%') {
    return FormatFloatSpec(static_cast<double>(value), spec);
  }
  if (spec.precision >= 0)
    ThrowEval("ValueError", "Precision not allowed in integer format specifier");
  std::string sign = value < 0 ? "-" : (spec.sign == '+' ? "+" : (spec.sign == ' ' ? " " : ""));
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string digits;
  std::string prefix;
  int base = 10;
  if (type == 'x' || type == 'X') {
    base = 16;
    prefix = type == 'x' ? "0x" : "0X";
  } else if (type == 'o') {
    base = 8;
    prefix = "0o";
  } else if (type == 'b') {
    base = 2;
    prefix = "0b";
  } else if (type == 'c') {
    std::string character;
    AppendUtf8(static_cast<uint32_t>(value), &character);
    return Pad("", character, spec, '<');
  } else if (type != '\0' && type != 'd' && type != 'n') {
    ThrowEval("ValueError",
              std::string("Unknown format code '") + type + "' for object of type 'int'");
  }
  const char* alphabet = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  if (magnitude == 0) digits = "0";
  while (magnitude > 0) {
    digits.insert(digits.begin(), alphabet[magnitude % static_cast<uint64_t>(base)]);
    magnitude /= static_cast<uint64_t>(base);
  }
  if (spec.grouping) digits = Group(digits, spec.grouping);
  return Pad(sign + (spec.alternate ? prefix : ""), digits, spec, '>');
}

}  // namespace

std::string FormatWithSpec(const Value& value, std::string_view spec_text) {
  if (spec_text.empty()) return Str(value);
  Spec spec = ParseSpec(spec_text);
  if (value.is_bool() && spec.type == '\0') {
    return Pad("", value.as_bool() ? "True" : "False", spec, '<');
  }
  if (value.is_int() || value.is_bool()) return FormatIntSpec(value.as_int(), spec);
  if (value.is_float()) {
    if (spec.type == 'd' || spec.type == 'x' || spec.type == 'b' || spec.type == 'o' ||
        spec.type == 'c') {
      ThrowEval("ValueError",
                std::string("Unknown format code '") + spec.type + "' for object of type 'float'");
    }
    return FormatFloatSpec(value.as_double(), spec);
  }
  if (value.is_string()) {
    if (spec.type != '\0' && spec.type != 's') {
      ThrowEval("ValueError",
                std::string("Unknown format code '") + spec.type + "' for object of type 'str'");
    }
    if (spec.sign != '-') ThrowEval("ValueError", "Sign not allowed in string format specifier");
    std::string text(value.as_string());
    if (spec.precision >= 0) {
      std::vector<uint32_t> cps = DecodeUtf8(text);
      if (cps.size() > static_cast<size_t>(spec.precision))
        cps.resize(static_cast<size_t>(spec.precision));
      text = EncodeUtf8(cps);
    }
    return Pad("", text, spec, '<');
  }
  ThrowEval("TypeError",
            "unsupported format string passed to " + std::string(TypeName(value)) + ".__format__");
}

std::string StrFormat(Renderer& renderer, std::string_view format, const CallArguments& arguments) {
  std::string out;
  size_t automatic = 0;
  bool used_automatic = false, used_manual = false;
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      ThrowEval("ValueError", "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    size_t close = i + 1;
    int nesting = 1;
    while (close < format.size()) {
      if (format[close] == '{') ++nesting;
      if (format[close] == '}' && --nesting == 0) break;
      ++close;
    }
    if (close >= format.size()) ThrowEval("ValueError", "expected '}' before end of string");
    std::string_view field = format.substr(i + 1, close - i - 1);
    i = close + 1;
    std::string_view spec, conversion;
    size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    size_t bang = field.find('!');
    if (bang != std::string_view::npos) {
      conversion = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    size_t name_end = field.find_first_of(".[");
    std::string_view name = field.substr(0, name_end);
    Value value;
    if (name.empty()) {
      if (used_manual)
        ThrowEval("ValueError",
                  "cannot switch from manual field specification to automatic field numbering");
      used_automatic = true;
      if (automatic >= arguments.positional.size()) {
        ThrowEval("IndexError", "Replacement index " + std::to_string(automatic) +
                                    " out of range for positional args tuple");
      }
      value = arguments.positional[automatic++];
    } else if (name[0] >= '0' && name[0] <= '9') {
      if (used_automatic)
        ThrowEval("ValueError",
                  "cannot switch from automatic field numbering to manual field specification");
      used_manual = true;
      size_t index = std::stoul(std::string(name));
      if (index >= arguments.positional.size()) {
        ThrowEval("IndexError", "Replacement index " + std::to_string(index) +
                                    " out of range for positional args tuple");
      }
      value = arguments.positional[index];
    } else {
      bool found = false;
      for (const auto& [key, item] : arguments.keywords) {
        if (key == name) {
          value = item;
          found = true;
        }
      }
      if (!found) ThrowEval("KeyError", "'" + std::string(name) + "'");
    }
    std::string_view rest =
        name_end == std::string_view::npos ? std::string_view() : field.substr(name_end);
    while (!rest.empty()) {
      if (rest[0] == '.') {
        size_t end = rest.find_first_of(".[", 1);
        std::string attribute(rest.substr(1, end == std::string_view::npos ? rest.npos : end - 1));
        if (!attribute.empty() && attribute[0] == '_') {
          ThrowEval("SecurityError", "access to attribute '" + attribute + "' is unsafe.");
        }
        value = renderer.GetAttribute(value, attribute);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
      } else {
        size_t end = rest.find(']');
        if (end == std::string_view::npos) ThrowEval("ValueError", "Missing ']' in format string");
        std::string key(rest.substr(1, end - 1));
        bool digits = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        value = digits ? renderer.GetItem(value, Value::Integer(std::stoll(key)))
                       : renderer.GetItem(value, Value::String(key));
        rest = rest.substr(end + 1);
      }
      if (value.is_undefined()) renderer.RequireDefined(value);
    }
    if (conversion == "r") {
      value = Value::String(Repr(value));
    } else if (conversion == "s") {
      value = Value::String(renderer.ToText(value));
    } else if (!conversion.empty()) {
      ThrowEval("ValueError", "Unknown conversion specifier " + std::string(conversion));
    }
    renderer.UseUndefined(value);
    out += FormatWithSpec(value, spec);
  }
  return out;
}

namespace {

// format % arguments with the arguments as `count` values at `positional`, or as the dict
// `mapping` when it is not null.
std::string PrintfFormatValues(std::string_view format, const Value* positional, size_t count,
                               const Value* mapping) {
  bool is_mapping = mapping != nullptr;
  const Value& arguments = is_mapping ? *mapping : kNotGiven;
  size_t next = 0;
  std::string out;
  size_t i = 0;
  auto take = [&]() -> Value {
    if (next >= count) ThrowEval("TypeError", "not enough arguments for format string");
    return positional[next++];
  };
  // A '*' width or precision: an int argument, within the same cap as written digits.
  auto take_number = [&](const char* too_big) {
    Value number = take();
    if (!number.is_int() && !number.is_bool()) ThrowEval("TypeError", "* wants int");
    if (number.as_int() > kMaxFormatNumber || number.as_int() < -kMaxFormatNumber) {
      ThrowEval("ValueError", too_big);
    }
    return static_cast<int>(number.as_int());
  };
  while (i < format.size()) {
    char c = format[i++];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i >= format.size()) ThrowEval("ValueError", "incomplete format");
    Value value;
    bool have_value = false;
    if (format[i] == '(') {
      size_t close = format.find(')', i);
      if (close == std::string_view::npos) ThrowEval("ValueError", "incomplete format key");
      if (!is_mapping) ThrowEval("TypeError", "format requires a mapping");
      std::string key(format.substr(i + 1, close - i - 1));
      if (!arguments.DictFindString(key, &value)) ThrowEval("KeyError", "'" + key + "'");
      have_value = true;
      i = close + 1;
    }
    std::string flags;
    while (i < format.size() && std::string_view("-+ #0").find(format[i]) != std::string_view::npos)
      flags += format[i++];
    int width = -1, precision = -1;
    if (i < format.size() && format[i] == '*') {
      width = take_number("width too big");
      ++i;
    } else {
      while (i < format.size() && format[i] >= '0' && format[i] <= '9')
        width = AddFormatDigit(width < 0 ? 0 : width, static_cast<unsigned char>(format[i++]),
                               "width too big");
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      precision = 0;
      if (i < format.size() && format[i] == '*') {
        precision = take_number("precision too big");
        ++i;
      } else {
        while (i < format.size() && format[i] >= '0' && format[i] <= '9')
          precision = AddFormatDigit(precision, static_cast<unsigned char>(format[i++]),
                                     "precision too big");
      }
    }
    while (i < format.size() && (format[i] == 'l' || format[i] == 'h' || format[i] == 'L')) ++i;
    if (i >= format.size()) ThrowEval("ValueError", "incomplete format");
    char conversion = format[i++];
    if (conversion == '%') {
      out += '%';
      continue;
    }
    if (!have_value) value = take();
    // Undefined's __int__ and __float__ raise its UndefinedError (%x and %o want __index__).
    if (value.is_undefined() &&
        std::string_view("diueEfFgG").find(conversion) != std::string_view::npos) {
      ThrowEval("UndefinedError", value.as_undefined().hint);
    }
    std::string body;
    bool left = flags.find('-') != std::string::npos;
    bool zero = flags.find('0') != std::string::npos && !left;
    std::string sign;
    switch (conversion) {
      case 's':
      case 'r':
      case 'a': {
        body = conversion == 's' ? Str(value) : Repr(value);
        if (precision >= 0) {
          std::vector<uint32_t> cps = DecodeUtf8(body);
          if (cps.size() > static_cast<size_t>(precision))
            cps.resize(static_cast<size_t>(precision));
          body = EncodeUtf8(cps);
        }
        zero = false;
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        if (!value.is_number()) {
          ThrowEval("TypeError", std::string("%") + conversion + " format: " +
                                     (conversion == 'x' || conversion == 'X' || conversion == 'o'
                                          ? "an integer is required, not "
                                          : "a real number is required, not ") +
                                     std::string(TypeName(value)));
        }
        if (value.is_float() && (conversion == 'x' || conversion == 'X' || conversion == 'o')) {
          ThrowEval("TypeError",
                    std::string("%") + conversion + " format: an integer is required, not float");
        }
        int64_t number = value.is_float() ? FloatToInt(value.as_double()) : value.as_int();
        uint64_t magnitude =
            number < 0 ? 0 - static_cast<uint64_t>(number) : static_cast<uint64_t>(number);
        sign = number < 0 ? "-"
                          : (flags.find('+') != std::string::npos
                                 ? "+"
                                 : (flags.find(' ') != std::string::npos ? " " : ""));
        int base = conversion == 'x' || conversion == 'X' ? 16 : (conversion == 'o' ? 8 : 10);
        const char* alphabet = conversion == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        if (magnitude == 0) body = "0";
        while (magnitude > 0) {
          body.insert(body.begin(), alphabet[magnitude % static_cast<uint64_t>(base)]);
          magnitude /= static_cast<uint64_t>(base);
        }
        if (precision >= 0 && body.size() < static_cast<size_t>(precision)) {
          body.insert(0, static_cast<size_t>(precision) - body.size(), '0');
        }
        if (flags.find('#') != std::string::npos && base != 10)
          sign += conversion == 'o' ? "0o" : (conversion == 'x' ? "0x" : "0X");
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        if (!value.is_number()) {
          ThrowEval("TypeError", "must be real number, not " + std::string(TypeName(value)));
        }
        double number = value.as_double();
        sign = std::signbit(number) && !std::isnan(number)
                   ? "-"
                   : (flags.find('+') != std::string::npos
                          ? "+"
                          : (flags.find(' ') != std::string::npos ? " " : ""));
        double magnitude = std::fabs(number);
        if (std::isnan(magnitude) || std::isinf(magnitude)) {
          body = std::isnan(magnitude) ? "nan" : "inf";
          if (conversion == 'E' || conversion == 'F' || conversion == 'G')
            body = std::isnan(magnitude) ? "NAN" : "INF";
          zero = false;
        } else {
          char spelled[2] = {conversion, '\0'};
          body = CFormat(spelled, precision < 0 ? 6 : precision, magnitude,
                         flags.find('#') != std::string::npos);
        }
        break;
      }
      case 'c': {
        if (value.is_string()) {
          if (CodePointCount(value.as_string()) != 1)
            ThrowEval("TypeError", "%c requires int or char");
          body = std::string(value.as_string());
        } else if (value.is_int()) {
          AppendUtf8(static_cast<uint32_t>(value.as_int()), &body);
        } else {
          ThrowEval("TypeError", "%c requires int or char");
        }
        zero = false;
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "%x", static_cast<unsigned char>(conversion));
        ThrowEval("ValueError", std::string("unsupported format character '") + conversion +
                                    "' (0x" + hex + ") at index " + std::to_string(i - 1));
      }
    }
    size_t length = CodePointCount(sign) + CodePointCount(body);
    if (width > 0 && length < static_cast<size_t>(width)) {
      size_t padding = static_cast<size_t>(width) - length;
      if (left) {
        body = sign + body + std::string(padding, ' ');
      } else if (zero) {
        body = sign + std::string(padding, '0') + body;
      } else {
        body = std::string(padding, ' ') + sign + body;
      }
    } else {
      body = sign + body;
    }
    out += body;
  }
  if (!is_mapping && next < count) {
    ThrowEval("TypeError", "not all arguments converted during string formatting");
  }
  return out;
}

}  // namespace

bool AppendFixedPointFormat(std::string_view format, const Value& argument, std::string* out) {
  if (!argument.is_float() && !argument.is_int()) return false;
  size_t percent = format.find('%');
  if (percent == std::string_view::npos || percent + 3 >= format.size() ||
      format[percent + 1] != '.') {
    return false;
  }
  size_t position = percent + 2;
  int precision = 0;
  size_t digits = 0;
  while (position < format.size() && digits < 3 && format[position] >= '0' &&
         format[position] <= '9') {
    precision = precision * 10 + (format[position++] - '0');
    ++digits;
  }
  if (digits == 0 || digits > 2 || position >= format.size() || format[position] != 'f') {
    return false;
  }
  std::string_view suffix = format.substr(position + 1);
  if (suffix.find('%') != std::string_view::npos) return false;
  double number = argument.as_double();
  uint64_t scaled = 0;
  if (!std::isfinite(number) || !RoundToScaledDecimal(std::fabs(number), precision, &scaled)) {
    return false;
  }
  out->append(format.substr(0, percent));
  if (std::signbit(number)) out->push_back('-');  // '%.1f' % -0.01 is '-0.0', as printf
  AppendScaledDecimal(scaled, precision, out);
  out->append(suffix);
  return true;
}

std::string PrintfFormat(std::string_view format, const Value& arguments) {
  if (arguments.is_dict()) return PrintfFormatValues(format, nullptr, 0, &arguments);
  if (arguments.is_tuple()) {
    ValueList items = arguments.SequenceItems();
    return PrintfFormatValues(format, items.data(), items.size(), nullptr);
  }
  return PrintfFormatValues(format, &arguments, 1, nullptr);
}

std::string PrintfFormat(std::string_view format, const ValueList& positional) {
  return PrintfFormatValues(format, positional.data(), positional.size(), nullptr);
}

}  // namespace runhook::templating
