// Text and number filters and the filter registry (jinja2/filters.py). Collection filters are in
// filters_collections.cpp.
#include "template/filters.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "template/filter_support.h"
#include "template/formatting.h"
#include "template/html_escape.h"
#include "template/json_dump.h"
#include "template/operators.h"
#include "template/printing.h"
#include "template/string_methods.h"
#include "template/unicode.h"

namespace runhook::templating {
namespace {

Value Abs(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "abs");
  if (target.is_int() || target.is_bool()) {
    if (target.as_int() == INT64_MIN)
      ThrowEval("OverflowError", "integer result does not fit in 64 bits");
    return Value::Integer(std::llabs(target.as_int()));
  }
  if (target.is_float()) return Value::Float(std::fabs(target.as_double()));
  ThrowEval("TypeError", "bad operand type for abs(): '" + std::string(TypeName(target)) + "'");
}

Value Attr(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"name"}, "do_attr", 1);
  std::string name = Text(renderer, bound[0]);
  renderer.RequireDefined(target);
  if (target.is_dict()) {
    // Python's getattr on a dict finds methods only, never keys.
    Value attribute = renderer.GetAttribute(target, name);
    if (attribute.is_callable()) return attribute;
    return Value::Undefined("", "'dict object' has no attribute '" + name + "'");
  }
  return renderer.GetAttribute(target, name);
}

Value Capitalize(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_capitalize");
  return Value::String(PythonCapitalize(Text(renderer, target)));
}

Value Center(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"width"}, "do_center");
  CallArguments method;
  method.positional.push_back(bound.Has(0) ? bound[0] : Value::Integer(80));
  return CallStringMethod(renderer, Value::String(Text(renderer, target)), "center", method);
}

Value Default(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"default_value", "boolean"}, "do_default");
  Value fallback = bound.Has(0) ? bound[0] : Value::String("");
  bool boolean = bound.Has(1) && Truthy(bound[1]);
  if (target.is_undefined() || (boolean && !Truthy(target))) return fallback;
  return target;
}

Value Escape(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "escape");
  if (target.is_markup()) return target;
  if (target.is_none()) return Value::String("None", true);
  // Nothing to escape: the same text, marked safe, without a copy.
  if (target.is_string() && !HasHtmlSpecial(target.as_string())) return target.WithMarkup(true);
  return Value::String(HtmlEscape(Text(renderer, target)), true);
}

Value Safe(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_mark_safe");
  return Value::String(Text(renderer, target), true);
}

// Python's float(str): surrounding whitespace, '_' between digits, inf/nan spellings.
bool ParsePythonFloat(std::string_view raw, double* out) {
  std::string text = PythonStrip(raw, nullptr, true, true);
  std::string cleaned;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      bool ok = i > 0 && i + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                std::isdigit(static_cast<unsigned char>(text[i + 1]));
      if (!ok) return false;
      continue;
    }
    cleaned += text[i];
  }
  if (cleaned.empty()) return false;
  std::string lower = PythonLower(cleaned);
  std::string_view body = lower;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") {
    *out = negative ? -INFINITY : INFINITY;
    return true;
  }
  if (body == "nan") {
    *out = NAN;
    return true;
  }
  for (char c : body) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' ||
          c == '-'))
      return false;
  }
  char* end = nullptr;
  *out = std::strtod(cleaned.c_str(), &end);
  return end == cleaned.c_str() + cleaned.size();
}

Value FloatFilter(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"default"}, "do_float");
  Value fallback = bound.Has(0) ? bound[0] : Value::Float(0.0);
  if (target.is_number()) return Value::Float(target.as_double());
  renderer.RequireDefined(target);
  double parsed;
  if (target.is_string() && ParsePythonFloat(target.as_string(), &parsed))
    return Value::Float(parsed);
  return fallback;
}

// Python's int(text, base).
bool ParsePythonInt(std::string_view raw, int64_t base, int64_t* out) {
  std::string text = PythonStrip(raw, nullptr, true, true);
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.size() >= 2 && body[0] == '0') {
    char prefix = static_cast<char>(body[1] | 0x20);
    int64_t prefixed = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 0;
    if (prefixed != 0 && (base == prefixed || base == 0)) {
      base = prefixed;
      body.remove_prefix(2);
      if (!body.empty() && body[0] == '_') body.remove_prefix(1);
    }
  }
  if (base == 0) {
    base = 10;
    if (body.size() > 1 && body[0] == '0' && body.find_first_not_of("0_") != std::string_view::npos)
      return false;
  }
  if (base < 2 || base > 36) ThrowEval("ValueError", "int() base must be >= 2 and <= 36, or 0");
  if (body.empty()) return false;
  unsigned __int128 value = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '_') {
      if (i == 0 || i + 1 == body.size() || body[i + 1] == '_') return false;
      continue;
    }
    int digit = c >= '0' && c <= '9'                     ? c - '0'
                : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10
                                                         : 99;
    if (digit >= base) return false;
    value = value * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
    if (value > static_cast<unsigned __int128>(INT64_MAX) + 1) {
      ThrowEval("OverflowError", "integer result does not fit in 64 bits");
    }
  }
  if (!negative && value > static_cast<unsigned __int128>(INT64_MAX)) {
    ThrowEval("OverflowError", "integer result does not fit in 64 bits");
  }
  *out = negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(value))
                  : static_cast<int64_t>(value);
  return true;
}

Value IntFilter(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"default", "base"}, "do_int");
  Value fallback = bound.Has(0) ? bound[0] : Value::Integer(0);
  int64_t base = bound.Has(1) ? IntArgument(bound[1], "base") : 10;
  if (target.is_int() || target.is_bool()) return Value::Integer(target.as_int());
  if (target.is_float()) return Value::Integer(FloatToInt(target.as_double()));
  renderer.RequireDefined(target);
  if (target.is_string()) {
    int64_t parsed;
    if (ParsePythonInt(target.as_string(), base, &parsed)) return Value::Integer(parsed);
    double floating;
    if (ParsePythonFloat(target.as_string(), &floating))
      return Value::Integer(FloatToInt(floating));
  }
  return fallback;
}

Value Format(Renderer& renderer, const Value& target, CallArguments& arguments) {
  if (!arguments.positional.empty() && !arguments.keywords.empty()) {
    ThrowEval("FilterArgumentError",
              "can't handle positional and keyword arguments at the same time");
  }
  std::string format = Text(renderer, target);
  // '%s' of an undefined is a use of it (StrictUndefined raises).
  for (const Value& argument : arguments.positional) renderer.UseUndefined(argument);
  if (target.is_markup()) {
    // Markup's % escapes the arguments and gives Markup.
    CallArguments escaped;
    for (const Value& argument : arguments.positional) {
      escaped.positional.push_back(argument.is_string() && !argument.is_markup()
                                       ? Value::String(HtmlEscape(argument.as_string()), true)
                                       : argument);
    }
    for (auto& [key, value] : arguments.keywords) {
      escaped.keywords.emplace_back(key, value.is_string() && !value.is_markup()
                                             ? Value::String(HtmlEscape(value.as_string()), true)
                                             : value);
    }
    return Format(renderer, target.WithMarkup(false), escaped).WithMarkup(true);
  }
  if (!arguments.keywords.empty()) {
    DictEntries entries;
    for (auto& [key, value] : arguments.keywords) entries.emplace_back(Value::String(key), value);
    return Value::String(PrintfFormat(format, Value::Dict(std::move(entries))));
  }
  return Value::String(PrintfFormat(format, arguments.positional));
}

Value Indent(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"width", "first", "blank"}, "do_indent");
  std::string indentation;
  if (bound.Has(0) && bound[0].is_string()) {
    indentation = std::string(bound[0].as_string());
  } else {
    int64_t width = bound.Has(0) ? IntArgument(bound[0], "width") : 4;
    indentation = std::string(
        static_cast<size_t>(std::max<int64_t>(0, std::min<int64_t>(width, 10000))), ' ');
  }
  bool first = bound.Has(1) && Truthy(bound[1]);
  bool blank = bound.Has(2) && Truthy(bound[2]);
  std::string text = Text(renderer, target) + "\n";
  CallArguments none;
  Value lines_value = CallStringMethod(renderer, Value::String(text), "splitlines", none);
  ValueList lines = lines_value.SequenceItems();
  std::string result;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) result += "\n" + indentation;
      result += lines[i].as_string();
    }
  } else if (!lines.empty()) {
    result = std::string(lines[0].as_string());
    for (size_t i = 1; i < lines.size(); ++i) {
      result += "\n";
      if (!lines[i].as_string().empty()) result += indentation;
      result += lines[i].as_string();
    }
  }
  if (first) result = indentation + result;
  return Value::String(std::move(result));
}

Value Lower(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_lower");
  return Value::String(PythonLower(Text(renderer, target)));
}

Value Upper(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_upper");
  return Value::String(PythonUpper(Text(renderer, target)));
}

Value Replace(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"old", "new", "count"}, "do_replace", 2);
  int64_t count = bound.Has(2) && !bound[2].is_none() ? IntArgument(bound[2], "count") : -1;
  std::string result = PythonReplace(Text(renderer, target), Text(renderer, bound[0]),
                                     Text(renderer, bound[1]), count);
  if (result.size() > renderer.limits().max_string_bytes)
    ThrowEval("SecurityError", "string exceeds the sandbox limit");
  return Value::String(std::move(result));
}

double PythonRound(double value, int64_t digits) {
  if (!std::isfinite(value)) return value;
  if (digits >= 0) {
    if (digits > 300) return value;
    uint64_t scaled = 0;
    if (RoundToScaledDecimal(std::fabs(value), static_cast<int>(digits), &scaled)) {
      // scaled and 10^digits are exact, so the quotient is the correctly rounded value of the
      // decimal, as parsing it gives.
      return std::copysign(static_cast<double>(scaled) / PowerOfTen(static_cast<int>(digits)),
                           value);
    }
    // Python rounds through the correctly rounded decimal string, as to_chars writes it.
    char buffer[1024];
    auto written = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed,
                                 static_cast<int>(digits));
    double rounded = value;
    std::from_chars(buffer, written.ptr, rounded);
    return rounded;
  }
  double power = std::pow(10.0, static_cast<double>(-digits));
  if (std::isinf(power)) return 0.0 * value;  // as CPython: zero with the value's sign
  double scaled = value / power;
  double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) == 0.5) rounded = 2.0 * std::round(scaled / 2.0);
  return rounded * power;
}

Value Round(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"precision", "method"}, "do_round");
  int64_t precision = bound.Has(0) ? IntArgument(bound[0], "precision") : 0;
  std::string method_text = bound.Has(1) ? Text(renderer, bound[1]) : std::string();
  std::string_view method = bound.Has(1) ? std::string_view(method_text) : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    ThrowEval("FilterArgumentError", "method must be common, ceil or floor");
  }
  // Python's round() looks __round__ up on the type, so even StrictUndefined gets a TypeError;
  // floor and ceil multiply first, which Undefined refuses.
  if (target.is_undefined() && method == "common") {
    ThrowEval("TypeError",
              std::string("type ") +
                  (renderer.mode() == UndefinedMode::kStrict      ? "StrictUndefined"
                   : renderer.mode() == UndefinedMode::kChainable ? "ChainableUndefined"
                                                                  : "Undefined") +
                  " doesn't define __round__ method");
  }
  renderer.RequireDefined(target);
  if (!target.is_number()) {
    if (method == "common")
      ThrowEval("TypeError",
                "type " + std::string(TypeName(target)) + " doesn't define __round__ method");
    ThrowEval("TypeError", "can't multiply sequence by non-int of type 'float'");
  }
  if (method == "common") {
    if (target.is_int() || target.is_bool()) {
      if (precision >= 0) return Value::Integer(target.as_int());
      return Value::Integer(static_cast<int64_t>(PythonRound(target.as_double(), precision)));
    }
    return Value::Float(PythonRound(target.as_double(), precision));
  }
  double power = std::pow(10.0, static_cast<double>(precision));
  double scaled = target.as_double() * power;
  double rounded = method == "ceil" ? std::ceil(scaled) : std::floor(scaled);
  return Value::Float(rounded / power);
}

Value StringFilter(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "soft_str");
  if (target.is_string()) return target;
  return Value::String(Text(renderer, target));
}

// The title filter's text: "".join(w[0].upper() + w[1:].lower() for w in
// re.split(r"([-\s({\[<]+)", s) if w).
bool IsTitleSeparator(uint32_t c) {
  return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || IsPythonSpace(c);
}

// Jinja2's title of an ASCII text, in place: each run of separators or of other characters
// starts upper case and goes on lower case.
void TitleCaseAscii(char* text, size_t size) {
  bool previous_separator = false;
  for (size_t i = 0; i < size; ++i) {
    char c = text[i];
    bool separator = IsTitleSeparator(static_cast<unsigned char>(c));
    bool run_start = i == 0 || separator != previous_separator;
    previous_separator = separator;
    if (run_start && c >= 'a' && c <= 'z') text[i] = static_cast<char>(c - 32);
    if (!run_start && c >= 'A' && c <= 'Z') text[i] = static_cast<char>(c + 32);
  }
}

std::string TitleCase(std::string text) {
  if (IsAscii(text)) {
    TitleCaseAscii(text.data(), text.size());
    return text;
  }
  std::vector<uint32_t> cps = DecodeUtf8(text);
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i;
    if (IsTitleSeparator(cps[i])) {
      while (j < cps.size() && IsTitleSeparator(cps[j])) ++j;
    } else {
      while (j < cps.size() && !IsTitleSeparator(cps[j])) ++j;
    }
    AppendUpper(cps[i], &out);
    std::vector<uint32_t> rest(cps.begin() + static_cast<long>(i) + 1,
                               cps.begin() + static_cast<long>(j));
    for (uint32_t c : DecodeUtf8(PythonLower(EncodeUtf8(rest)))) out.push_back(c);
    i = j;
  }
  return EncodeUtf8(out);
}

Value Title(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_title");
  return Value::String(TitleCase(Text(renderer, target)));
}

Value ToJsonFilter(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"indent"}, "do_tojson");
  int indent = -1;
  if (bound.Has(0) && !bound[0].is_none())
    indent = static_cast<int>(
        std::max<int64_t>(0, std::min<int64_t>(IntArgument(bound[0], "indent"), 64)));
  return Value::String(DumpJson(target, indent), true);
}

Value Trim(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"chars"}, "do_trim");
  std::string chars;
  bool has_chars = bound.Has(0) && !bound[0].is_none();
  if (has_chars) chars = Text(renderer, bound[0]);
  return Value::String(
      PythonStrip(Text(renderer, target), has_chars ? &chars : nullptr, true, true));
}

Value Truncate(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound =
      BindArguments(arguments, {"length", "killwords", "end", "leeway"}, "do_truncate");
  int64_t length = bound.Has(0) ? IntArgument(bound[0], "length") : 255;
  bool killwords = bound.Has(1) && Truthy(bound[1]);
  std::string end = bound.Has(2) ? Text(renderer, bound[2]) : "...";
  int64_t leeway = bound.Has(3) && !bound[3].is_none() ? IntArgument(bound[3], "leeway") : 5;
  std::vector<uint32_t> cps = DecodeUtf8(Text(renderer, target));
  int64_t end_length = static_cast<int64_t>(CodePointCount(end));
  if (length < end_length) {
    ThrowEval("AssertionError", "expected length >= " + std::to_string(end_length) + ", got " +
                                    std::to_string(length));
  }
  if (leeway < 0)
    ThrowEval("AssertionError", "expected leeway >= 0, got " + std::to_string(leeway));
  if (static_cast<int64_t>(cps.size()) <= length + leeway) return Value::String(EncodeUtf8(cps));
  std::string head =
      EncodeUtf8(std::vector<uint32_t>(cps.begin(), cps.begin() + (length - end_length)));
  if (killwords) return Value::String(head + end);
  size_t space = head.rfind(' ');
  if (space != std::string::npos) head = head.substr(0, space);
  return Value::String(head + end);
}

}  // namespace

std::string UrlQuote(std::string_view text, bool for_query) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char raw : text) {
    unsigned char c = static_cast<unsigned char>(raw);
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-' || c == '~' || (c == '/' && !for_query);
    if (unreserved) {
      out += static_cast<char>(c);
    } else if (c == ' ' && for_query) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

Value UrlEncode(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_urlencode");
  if (target.is_string() || !(target.is_sequence() || target.is_dict())) {
    if (target.is_undefined()) {
      renderer.UseUndefined(target);
      return Value::String("");
    }
    return Value::String(UrlQuote(Text(renderer, target), false));
  }
  std::string out;
  ValueList pairs;
  if (target.is_dict()) {
    for (auto& [key, value] : target.DictItems()) pairs.push_back(Value::Pair(key, value));
  } else {
    pairs = target.SequenceItems();
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    ValueList pair = renderer.Iterate(pairs[i]);
    if (pair.size() != 2) {
      ThrowEval("ValueError", pair.size() < 2 ? "not enough values to unpack (expected 2, got " +
                                                    std::to_string(pair.size()) + ")"
                                              : "too many values to unpack (expected 2)");
    }
    if (i > 0) out += '&';
    out += UrlQuote(Text(renderer, pair[0]), true) + "=" + UrlQuote(Text(renderer, pair[1]), true);
  }
  return Value::String(std::move(out));
}

Value WordCount(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BindArguments(arguments, {}, "do_wordcount");
  int64_t count = 0;
  bool in_word = false;
  for (uint32_t c : DecodeUtf8(Text(renderer, target))) {
    bool word = IsWordCharacter(c);
    if (word && !in_word) ++count;
    in_word = word;
  }
  return Value::Integer(count);
}

Value FileSizeFormat(Renderer& renderer, const Value& target, CallArguments& arguments) {
  BoundArguments bound = BindArguments(arguments, {"binary"}, "do_filesizeformat");
  bool binary = bound.Has(0) && Truthy(bound[0]);
  renderer.RequireDefined(target);
  double bytes;
  if (target.is_number()) {
    bytes = target.as_double();
  } else if (target.is_string() && ParsePythonFloat(target.as_string(), &bytes)) {
  } else {
    ThrowEval("TypeError", "float() argument must be a string or a real number, not '" +
                               std::string(TypeName(target)) + "'");
  }
  double base = binary ? 1024 : 1000;
  const char* prefixes[] = {binary ? "KiB" : "kB", binary ? "MiB" : "MB", binary ? "GiB" : "GB",
                            binary ? "TiB" : "TB", binary ? "PiB" : "PB", binary ? "EiB" : "EB",
                            binary ? "ZiB" : "ZB", binary ? "YiB" : "YB"};
  if (bytes == 1) return Value::String("1 Byte");
  if (bytes < base) return Value::String(std::to_string(static_cast<int64_t>(bytes)) + " Bytes");
  char buffer[64];
  for (int i = 0; i < 8; ++i) {
    double unit = std::pow(base, i + 2);
    if (bytes < unit || i == 7) {
      std::snprintf(buffer, sizeof(buffer), "%.1f %s", base * bytes / unit, prefixes[i]);
      return Value::String(buffer);
    }
  }
  return Value::String("");
}

// FilterAppender implementations (see FindFilterAppender).

// A string filter without arguments: `transform` of the string target, else declines.
template <std::string (*transform)(std::string_view)>
bool AppendTransformed(const AppendedFilterCall& call, std::string* output) {
  if (!call.target.is_string() || !call.arguments.empty()) return false;
  output->append(transform(call.target.as_string()));
  return true;
}

// title: an ASCII string title-cased where it is appended; others as Title.
bool AppendTitle(const AppendedFilterCall& call, std::string* output) {
  if (!call.target.is_string() || !call.arguments.empty()) return false;
  std::string_view text = call.target.as_string();
  if (!IsAscii(text)) {
    output->append(TitleCase(std::string(text)));
    return true;
  }
  size_t before = output->size();
  output->append(text);
  TitleCaseAscii(output->data() + before, text.size());
  return true;
}

bool AppendEscape(const AppendedFilterCall& call, std::string* output) {
  if (!call.target.is_string() || !call.arguments.empty()) return false;
  if (call.target.is_markup()) {
    output->append(call.target.as_string());
  } else {
    AppendHtmlEscaped(call.target.as_string(), *output);
  }
  return true;
}

// round(precision): an int or float (not a bool) with an int precision (not a bool), as Round.
bool AppendRound(const AppendedFilterCall& call, std::string* output) {
  const Value& target = call.target;
  if (call.arguments.size() > 1 || !(target.is_int() || target.is_float())) return false;
  int64_t precision = 0;
  if (call.arguments.size() == 1) {
    if (!call.arguments[0]->is_int()) return false;
    precision = call.arguments[0]->as_int();
  }
  if (target.is_int()) {
    if (precision < 0) return false;
    AppendStr(target, output);
    return true;
  }
  if (precision < 0 || precision > 22 ||
      !AppendRoundedFloat(target.as_double(), static_cast<int>(precision), output)) {
    AppendFloat(PythonRound(target.as_double(), precision), output);
  }
  return true;
}

// default(value): the target when defined, else the value ('' when not given); the value
// printed only when it is itself defined.
bool AppendDefault(const AppendedFilterCall& call, std::string* output) {
  if (call.arguments.size() > 1) return false;
  if (!call.target.is_undefined()) {
    AppendStr(call.target, output);
    return true;
  }
  if (call.arguments.empty()) return true;  // ''
  if (call.arguments[0]->is_undefined()) return false;
  AppendStr(*call.arguments[0], output);
  return true;
}

// join(separator): a list or tuple of defined items with a string separator, within the
// sandbox's string limit (else FilterJoin raises).
bool AppendJoin(const AppendedFilterCall& call, std::string* output) {
  const Value& target = call.target;
  if (call.arguments.size() > 1 || !target.is_sequence()) return false;
  std::string_view separator;
  if (call.arguments.size() == 1) {
    if (!call.arguments[0]->is_string()) return false;
    separator = call.arguments[0]->as_string();
  }
  size_t before = output->size();
  size_t count = target.SequenceSize();
  for (size_t i = 0; i < count; ++i) {
    Value item = target.SequenceAt(i);
    if (item.is_undefined()) {
      output->resize(before);
      return false;
    }
    if (i > 0) output->append(separator);
    AppendStr(item, output);
    if (output->size() - before > call.max_string_bytes) {
      output->resize(before);
      return false;
    }
  }
  return true;
}

// format(arguments...): printf formatting of a plain string (a Markup one escapes its
// arguments) with defined arguments; a lone tuple or dict argument is left to Format.
bool AppendFormat(const AppendedFilterCall& call, std::string* output) {
  const Value& target = call.target;
  if (!target.is_string() || target.is_markup() || call.arguments.empty()) return false;
  for (const Value* argument : call.arguments) {
    if (argument->is_undefined()) return false;
  }
  if (call.arguments.size() == 1) {
    const Value& argument = *call.arguments[0];
    if (argument.is_tuple() || argument.is_dict()) return false;
    if (AppendFixedPointFormat(target.as_string(), argument, output)) return true;
    output->append(PrintfFormat(target.as_string(), argument));
    return true;
  }
  ValueList positional;
  positional.reserve(call.arguments.size());
  for (const Value* argument : call.arguments) positional.push_back(*argument);
  output->append(PrintfFormat(target.as_string(), positional));
  return true;
}

}  // namespace

FilterAppender FindFilterAppender(FilterFunction filter) {
  if (filter == Escape) return AppendEscape;
  if (filter == Upper) return AppendTransformed<PythonUpper>;
  if (filter == Lower) return AppendTransformed<PythonLower>;
  if (filter == Title) return AppendTitle;
  if (filter == Capitalize) return AppendTransformed<PythonCapitalize>;
  if (filter == Round) return AppendRound;
  if (filter == Default) return AppendDefault;
  if (filter == FilterJoin) return AppendJoin;
  if (filter == Format) return AppendFormat;
  return nullptr;
}

FilterFunction FindFilter(std::string_view name) {
  static const std::unordered_map<std::string_view, FilterFunction> kFilters = {
      {"abs", Abs},
      {"attr", Attr},
      {"batch", FilterBatch},
      {"capitalize", Capitalize},
      {"center", Center},
      {"count", FilterLength},
      {"d", Default},
      {"default", Default},
      {"dictsort", FilterDictSort},
      {"e", Escape},
      {"escape", Escape},
      {"filesizeformat", FileSizeFormat},
      {"first", FilterFirst},
      {"float", FloatFilter},
      {"format", Format},
      {"groupby", FilterGroupBy},
      {"indent", Indent},
      {"int", IntFilter},
      {"items", FilterItems},
      {"join", FilterJoin},
      {"last", FilterLast},
      {"length", FilterLength},
      {"list", FilterList},
      {"lower", Lower},
      {"map", FilterMap},
      {"max", FilterMax},
      {"min", FilterMin},
      {"reject", FilterReject},
      {"rejectattr", FilterRejectAttr},
      {"replace", Replace},
      {"reverse", FilterReverse},
      {"round", Round},
      {"safe", Safe},
      {"select", FilterSelect},
      {"selectattr", FilterSelectAttr},
      {"slice", FilterSlice},
      {"sort", FilterSort},
      {"string", StringFilter},
      {"sum", FilterSum},
      {"title", Title},
      {"tojson", ToJsonFilter},
      {"trim", Trim},
      {"truncate", Truncate},
      {"unique", FilterUnique},
      {"upper", Upper},
      {"urlencode", UrlEncode},
      {"wordcount", WordCount},
  };
  auto it = kFilters.find(name);
  return it == kFilters.end() ? nullptr : it->second;
}

}  // namespace runhook::templating
