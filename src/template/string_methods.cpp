// Python str methods. See string_methods.h.
#include "template/string_methods.h"

#include <set>

#include "template/arguments.h"
#include "template/errors.h"
#include "template/formatting.h"
#include "template/unicode.h"

namespace runhook::templating {
namespace {

std::string ArgumentText(const Value& value, std::string_view method) {
  if (!value.is_string()) {
    ThrowEval("TypeError", "must be str, not " + std::string(TypeName(value)));
  }
  return std::string(value.as_string());
}

int64_t ArgumentInt(const Value& value) {
  if (value.is_int() || value.is_bool()) return value.as_int();
  ThrowEval("TypeError",
            "'" + std::string(TypeName(value)) + "' object cannot be interpreted as an integer");
}

bool AllCodePoints(std::string_view text, bool (*predicate)(uint32_t)) {
  std::vector<uint32_t> cps = DecodeUtf8(text);
  if (cps.empty()) return false;
  for (uint32_t c : cps) {
    if (!predicate(c)) return false;
  }
  return true;
}

std::string Justify(std::string_view text, int64_t width, std::string_view fill, char how) {
  int64_t length = static_cast<int64_t>(CodePointCount(text));
  if (width <= length) return std::string(text);
  int64_t padding = width - length;
  int64_t left = how == 'l' ? 0 : how == 'r' ? padding : padding / 2 + (padding & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += text;
  for (int64_t i = 0; i < padding - left; ++i) out += fill;
  return out;
}

}  // namespace

std::string PythonStrip(std::string_view text, const std::string* chars, bool left, bool right) {
  std::vector<uint32_t> cps = DecodeUtf8(text);
  std::vector<uint32_t> strip_set;
  if (chars != nullptr) strip_set = DecodeUtf8(*chars);
  auto strip = [&](uint32_t c) {
    if (chars == nullptr) return IsPythonSpace(c);
    for (uint32_t s : strip_set) {
      if (s == c) return true;
    }
    return false;
  };
  size_t begin = 0, end = cps.size();
  if (left) {
    while (begin < end && strip(cps[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip(cps[end - 1])) --end;
  }
  return EncodeUtf8(std::vector<uint32_t>(cps.begin() + static_cast<long>(begin),
                                          cps.begin() + static_cast<long>(end)));
}

std::vector<std::string> PythonSplit(std::string_view text, const std::string* separator,
                                     int64_t max_split) {
  std::vector<std::string> parts;
  if (separator != nullptr) {
    if (separator->empty()) ThrowEval("ValueError", "empty separator");
    size_t start = 0;
    while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
      size_t found = text.find(*separator, start);
      if (found == std::string_view::npos) break;
      parts.emplace_back(text.substr(start, found - start));
      start = found + separator->size();
    }
    parts.emplace_back(text.substr(start));
    return parts;
  }
  std::vector<uint32_t> cps = DecodeUtf8(text);
  size_t i = 0;
  while (true) {
    while (i < cps.size() && IsPythonSpace(cps[i])) ++i;
    if (i >= cps.size()) break;
    if (max_split >= 0 && static_cast<int64_t>(parts.size()) >= max_split) {
      size_t end = cps.size();
      while (end > i && IsPythonSpace(cps[end - 1])) --end;
      parts.push_back(EncodeUtf8(std::vector<uint32_t>(cps.begin() + static_cast<long>(i),
                                                       cps.begin() + static_cast<long>(end))));
      break;
    }
    size_t begin = i;
    while (i < cps.size() && !IsPythonSpace(cps[i])) ++i;
    parts.push_back(EncodeUtf8(std::vector<uint32_t>(cps.begin() + static_cast<long>(begin),
                                                     cps.begin() + static_cast<long>(i))));
  }
  return parts;
}

std::string PythonReplace(std::string_view text, std::string_view old_text,
                          std::string_view new_text, int64_t count) {
  std::string out;
  if (old_text.empty()) {
    std::vector<uint32_t> cps = DecodeUtf8(text);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += new_text;
        ++done;
      }
      if (i < cps.size()) AppendUtf8(cps[i], &out);
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t found = text.find(old_text, start);
    if (found == std::string_view::npos) break;
    out.append(text.substr(start, found - start));
    out.append(new_text);
    start = found + old_text.size();
    ++done;
  }
  out.append(text.substr(start));
  return out;
}

std::string PythonTitle(std::string_view text) {
  std::vector<uint32_t> out;
  bool previous_cased = false;
  for (uint32_t c : DecodeUtf8(text)) {
    if (previous_cased) {
      AppendLower(c, &out);
    } else {
      std::string upper = PythonCapitalize(EncodeUtf8({c}));
      for (uint32_t u : DecodeUtf8(upper)) out.push_back(u);
    }
    previous_cased = IsCased(c);
  }
  return EncodeUtf8(out);
}

const std::set<std::string_view, std::less<>>& StringMethodNames() {
  static const std::set<std::string_view, std::less<>> kMethods = {
      "split",    "rsplit",  "strip",        "lstrip",      "rstrip",     "lower",
      "upper",    "title",   "capitalize",   "startswith",  "endswith",   "replace",
      "format",   "join",    "find",         "rfind",       "count",      "isdigit",
      "isalpha",  "isalnum", "isspace",      "isupper",     "islower",    "isdecimal",
      "zfill",    "center",  "ljust",        "rjust",       "splitlines", "swapcase",
      "casefold", "index",   "removeprefix", "removesuffix"};
  return kMethods;
}

bool IsStringMethod(std::string_view name) { return StringMethodNames().count(name) != 0; }

Value CallStringMethod(Renderer& renderer, const Value& object, std::string_view name,
                       CallArguments& arguments) {
  std::string_view text = object.as_string();
  std::string method(name);
  if (name == "format") return Value::String(StrFormat(renderer, text, arguments));
  if (name == "split" || name == "rsplit") {
    BoundArguments bound = BindArguments(arguments, {"sep", "maxsplit"}, method);
    std::string separator;
    bool has_separator = bound.Has(0) && !bound[0].is_none();
    if (has_separator) separator = ArgumentText(bound[0], name);
    int64_t max_split = bound.Has(1) ? ArgumentInt(bound[1]) : -1;
    std::vector<std::string> parts;
    if (name == "rsplit" && max_split >= 0) {
      // Split from the right: reverse, split, reverse back (whole code points).
      std::vector<uint32_t> cps = DecodeUtf8(text);
      std::vector<uint32_t> reversed(cps.rbegin(), cps.rend());
      std::vector<uint32_t> sep_cps = DecodeUtf8(separator);
      std::string reversed_separator =
          EncodeUtf8(std::vector<uint32_t>(sep_cps.rbegin(), sep_cps.rend()));
      for (std::string& part : PythonSplit(
               EncodeUtf8(reversed), has_separator ? &reversed_separator : nullptr, max_split)) {
        std::vector<uint32_t> p = DecodeUtf8(part);
        parts.insert(parts.begin(), EncodeUtf8(std::vector<uint32_t>(p.rbegin(), p.rend())));
      }
    } else {
      parts = PythonSplit(text, has_separator ? &separator : nullptr, max_split);
    }
    ValueList items;
    for (std::string& part : parts) items.push_back(Value::String(std::move(part)));
    return Value::List(std::move(items));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    BoundArguments bound = BindArguments(arguments, {"chars"}, method);
    std::string chars;
    bool has_chars = bound.Has(0) && !bound[0].is_none();
    if (has_chars) chars = ArgumentText(bound[0], name);
    return Value::String(
        PythonStrip(text, has_chars ? &chars : nullptr, name != "rstrip", name != "lstrip"));
  }
  if (name == "startswith" || name == "endswith") {
    BoundArguments bound = BindArguments(arguments, {"prefix"}, method, 1);
    ValueList candidates = bound[0].is_tuple() ? bound[0].SequenceItems() : ValueList{bound[0]};
    for (const Value& candidate : candidates) {
      if (!candidate.is_string()) {
        ThrowEval("TypeError", method + " first arg must be str or a tuple of str, not " +
                                   std::string(TypeName(candidate)));
      }
      std::string_view affix = candidate.as_string();
      bool match = name == "startswith" ? text.substr(0, affix.size()) == affix
                                        : (text.size() >= affix.size() &&
                                           text.substr(text.size() - affix.size()) == affix);
      if (match) return Value::Boolean(true);
    }
    return Value::Boolean(false);
  }
  if (name == "replace") {
    BoundArguments bound = BindArguments(arguments, {"old", "new", "count"}, method, 2);
    int64_t count = bound.Has(2) ? ArgumentInt(bound[2]) : -1;
    std::string result =
        PythonReplace(text, ArgumentText(bound[0], name), ArgumentText(bound[1], name), count);
    if (result.size() > renderer.limits().max_string_bytes)
      ThrowEval("SecurityError", "string exceeds the sandbox limit");
    return Value::String(std::move(result));
  }
  if (name == "join") {
    BoundArguments bound = BindArguments(arguments, {"iterable"}, method, 1);
    std::string out;
    size_t index = 0;
    for (const Value& item : renderer.Iterate(bound[0])) {
      if (!item.is_string()) {
        ThrowEval("TypeError", "sequence item " + std::to_string(index) +
                                   ": expected str instance, " + std::string(TypeName(item)) +
                                   " found");
      }
      if (index++ > 0) out += text;
      out += item.as_string();
    }
    return Value::String(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "count" || name == "index") {
    BoundArguments bound = BindArguments(arguments, {"sub"}, method, 1);
    std::string sub = ArgumentText(bound[0], name);
    if (name == "count") {
      if (sub.empty()) return Value::Integer(static_cast<int64_t>(CodePointCount(text) + 1));
      int64_t count = 0;
      for (size_t at = text.find(sub); at != std::string_view::npos;
           at = text.find(sub, at + sub.size()))
        ++count;
      return Value::Integer(count);
    }
    size_t at = name == "rfind" ? text.rfind(sub) : text.find(sub);
    if (at == std::string_view::npos) {
      if (name == "index") ThrowEval("ValueError", "substring not found");
      return Value::Integer(-1);
    }
    return Value::Integer(static_cast<int64_t>(CodePointCount(text.substr(0, at))));
  }
  if (name == "zfill" || name == "center" || name == "ljust" || name == "rjust") {
    BoundArguments bound = BindArguments(arguments, {"width", "fillchar"}, method, 1);
    int64_t width = ArgumentInt(bound[0]);
    if (width > static_cast<int64_t>(renderer.limits().max_string_bytes))
      ThrowEval("SecurityError", "string exceeds the sandbox limit");
    if (name == "zfill") {
      int64_t length = static_cast<int64_t>(CodePointCount(text));
      if (width <= length) return Value::String(std::string(text));
      std::string out(text);
      size_t insert_at = (!out.empty() && (out[0] == '-' || out[0] == '+')) ? 1 : 0;
      out.insert(insert_at, static_cast<size_t>(width - length), '0');
      return Value::String(std::move(out));
    }
    std::string fill = bound.Has(1) ? ArgumentText(bound[1], name) : " ";
    if (CodePointCount(fill) != 1)
      ThrowEval("TypeError", "The fill character must be exactly one character long");
    return Value::String(Justify(text, width, fill,
                                 name == "center"  ? 'c'
                                 : name == "ljust" ? 'l'
                                                   : 'r'));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    BoundArguments bound = BindArguments(arguments, {"affix"}, method, 1);
    std::string affix = ArgumentText(bound[0], name);
    if (name == "removeprefix" && text.substr(0, affix.size()) == affix)
      return Value::String(std::string(text.substr(affix.size())));
    if (name == "removesuffix" && !affix.empty() && text.size() >= affix.size() &&
        text.substr(text.size() - affix.size()) == affix) {
      return Value::String(std::string(text.substr(0, text.size() - affix.size())));
    }
    return Value::String(std::string(text));
  }
  BindArguments(arguments, {}, method);
  if (name == "lower" || name == "casefold") return Value::String(PythonLower(text));
  if (name == "upper") return Value::String(PythonUpper(text));
  if (name == "capitalize") return Value::String(PythonCapitalize(text));
  if (name == "title") return Value::String(PythonTitle(text));
  if (name == "swapcase") {
    std::vector<uint32_t> out;
    for (uint32_t c : DecodeUtf8(text)) {
      if (IsUpperCase(c)) {
        AppendLower(c, &out);
      } else if (IsLowerCase(c)) {
        AppendUpper(c, &out);
      } else {
        out.push_back(c);
      }
    }
    return Value::String(EncodeUtf8(out));
  }
  if (name == "splitlines") {
    ValueList lines;
    std::string current;
    std::vector<uint32_t> cps = DecodeUtf8(text);
    for (size_t i = 0; i < cps.size(); ++i) {
      uint32_t c = cps[i];
      bool is_break = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
                      c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
      if (is_break) {
        if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
        lines.push_back(Value::String(std::move(current)));
        current.clear();
      } else {
        AppendUtf8(c, &current);
      }
    }
    if (!current.empty()) lines.push_back(Value::String(std::move(current)));
    return Value::List(std::move(lines));
  }
  if (name == "isdigit" || name == "isdecimal") {
    return Value::Boolean(AllCodePoints(text, [](uint32_t c) { return c >= '0' && c <= '9'; }));
  }
  if (name == "isalpha") {
    return Value::Boolean(AllCodePoints(text, [](uint32_t c) {
      return IsWordCharacter(c) && c != '_' && !(c >= '0' && c <= '9');
    }));
  }
  if (name == "isalnum")
    return Value::Boolean(
        AllCodePoints(text, [](uint32_t c) { return IsWordCharacter(c) && c != '_'; }));
  if (name == "isspace") return Value::Boolean(AllCodePoints(text, IsPythonSpace));
  if (name == "isupper" || name == "islower") {
    bool any_cased = false;
    for (uint32_t c : DecodeUtf8(text)) {
      if (name == "isupper" ? IsLowerCase(c) : IsUpperCase(c)) return Value::Boolean(false);
      if (IsCased(c)) any_cased = true;
    }
    return Value::Boolean(any_cased);
  }
  ThrowEval("AttributeError", "'str' object has no attribute '" + method + "'");
}

}  // namespace runhook::templating
