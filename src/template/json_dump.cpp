// tojson. See json_dump.h.
#include "template/json_dump.h"

#include <algorithm>
#include <cstdio>

#include "template/errors.h"
#include "template/operators.h"
#include "template/printing.h"
#include "template/unicode.h"

namespace runhook::templating {
namespace {

// Printable ASCII that tojson writes as is.
bool IsPlainJsonByte(char c) {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' &&
         c != '\'';
}

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  // The plain ASCII prefix (usually all of it) in one append; the rest code point by code point.
  size_t plain = 0;
  while (plain < text.size() && IsPlainJsonByte(text[plain])) ++plain;
  out->append(text.data(), plain);
  text.remove_prefix(plain);
  for (uint32_t c : DecodeUtf8(text)) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '<':
        *out += "\\u003c";
        break;
      case '>':
        *out += "\\u003e";
        break;
      case '&':
        *out += "\\u0026";
        break;
      case '\'':
        *out += "\\u0027";
        break;
      default: {
        char escape[16];
        if (c < 0x20 || (c >= 0x7F && c < 0x10000)) {
          if (c < 0x7F) {
            std::snprintf(escape, sizeof(escape), "\\u%04x", c);
            *out += escape;
          } else if (c == 0x7F) {
            out->push_back(static_cast<char>(c));
          } else {
            std::snprintf(escape, sizeof(escape), "\\u%04x", c);
            *out += escape;
          }
        } else if (c >= 0x10000) {
          uint32_t v = c - 0x10000;
          std::snprintf(escape, sizeof(escape), "\\u%04x\\u%04x", 0xD800 + (v >> 10),
                        0xDC00 + (v & 0x3FF));
          *out += escape;
        } else {
          out->push_back(static_cast<char>(c));
        }
      }
    }
  }
  out->push_back('"');
}

std::string JsonFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return FormatFloat(value);
}

std::string KeyText(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::kString:
      return std::string(key.as_string());
    case Value::Kind::kInt:
      return Str(key);
    case Value::Kind::kFloat:
      return JsonFloat(key.as_double());
    case Value::Kind::kBool:
      return key.as_bool() ? "true" : "false";
    case Value::Kind::kNone:
      return "null";
    default:
      ThrowEval("TypeError",
                "keys must be str, int, float, bool or None, not " + std::string(TypeName(key)));
  }
}

void Dump(const Value& value, int indent, int level, std::string* out) {
  auto newline = [&](int depth) {
    out->push_back('\n');
    out->append(static_cast<size_t>(indent) * static_cast<size_t>(depth), ' ');
  };
  switch (value.kind()) {
    case Value::Kind::kNone:
      *out += "null";
      return;
    case Value::Kind::kBool:
      *out += value.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      *out += Str(value);
      return;
    case Value::Kind::kFloat:
      *out += JsonFloat(value.as_double());
      return;
    case Value::Kind::kString:
      AppendJsonString(value.as_string(), out);
      return;
    case Value::Kind::kList:
    case Value::Kind::kTuple: {
      size_t size = value.SequenceSize();
      if (size == 0) {
        *out += "[]";
        return;
      }
      out->push_back('[');
      for (size_t i = 0; i < size; ++i) {
        if (i > 0) *out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline(level + 1);
        Dump(value.SequenceAt(i), indent, level + 1, out);
      }
      if (indent >= 0) newline(level);
      out->push_back(']');
      return;
    }
    case Value::Kind::kDict: {
      DictEntries entries = value.DictItems();
      if (entries.empty()) {
        *out += "{}";
        return;
      }
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return PythonLess(a.first, b.first); });
      out->push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) *out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline(level + 1);
        AppendJsonString(KeyText(entries[i].first), out);
        *out += ": ";
        Dump(entries[i].second, indent, level + 1, out);
      }
      if (indent >= 0) newline(level);
      out->push_back('}');
      return;
    }
    default: {
      std::string type(TypeName(value));
      ThrowEval("TypeError", "Object of type " + type + " is not JSON serializable");
    }
  }
}

}  // namespace

std::string DumpJson(const Value& value, int indent) {
  std::string out;
  Dump(value, indent, 0, &out);
  return out;
}

Json ToJson(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kBool:
      return value.as_bool();
    case Value::Kind::kInt:
      return value.as_int();
    case Value::Kind::kFloat:
      return value.as_double();
    case Value::Kind::kString:
      return std::string(value.as_string());
    case Value::Kind::kList:
    case Value::Kind::kTuple: {
      Json array = Json::array();
      for (size_t i = 0; i < value.SequenceSize(); ++i)
        array.push_back(ToJson(value.SequenceAt(i)));
      return array;
    }
    case Value::Kind::kDict: {
      Json object = Json::object();
      for (const auto& [key, item] : value.DictItems())
        object[key.is_string() ? std::string(key.as_string()) : Str(key)] = ToJson(item);
      return object;
    }
    default:
      return nullptr;
  }
}

}  // namespace runhook::templating
