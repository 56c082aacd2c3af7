#include "template/html_escape.h"

namespace runhook::templating {

namespace {

bool NeedsEscape(char c) { return c == '&' || c == '<' || c == '>' || c == '"' || c == '\''; }

}  // namespace

bool HasHtmlSpecial(std::string_view text) {
  for (char c : text) {
    if (NeedsEscape(c)) return true;
  }
  return false;
}

void AppendHtmlEscaped(std::string_view text, std::string& out) {
  size_t plain = 0;  // start of the run of characters not yet appended
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!NeedsEscape(c)) continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      default:  // '\''
        out += "&#39;";
    }
  }
  out.append(text.data() + plain, text.size() - plain);
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  AppendHtmlEscaped(text, out);
  return out;
}

}  // namespace runhook::templating
