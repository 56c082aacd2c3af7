#include "server/page_layout.h"

#include <cmath>
#include <cstdio>

#include "server/static_assets.h"
#include "template/html_escape.h"

namespace runhook::server {

using templating::HtmlEscape;

std::string PageStart(std::string_view title, std::string_view breadcrumbs_html) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  html += HtmlEscape(title);
  html += "</title>\n<link rel=\"stylesheet\" href=\"";
  html += HtmlEscape(StaticAssetUrl("style.css"));
  html += "\">\n</head>\n<body>\n<nav class=\"top\"><a class=\"home\" href=\"/\">runhook</a>";
  if (!breadcrumbs_html.empty()) {
    html += " <span class=\"crumbs\">";
    html += breadcrumbs_html;
    html += "</span>";
  }
  html += "</nav>\n<main>\n";
  return html;
}

std::string PageEnd(std::string_view scripts_html) {
  std::string html = "</main>\n";
  html += scripts_html;
  html += "</body>\n</html>\n";
  return html;
}

std::string StateBadge(std::string_view state, std::string_view id) {
  const std::string escaped = HtmlEscape(state);
  std::string html = "<span";
  if (!id.empty()) html += " id=\"" + HtmlEscape(id) + "\"";
  return html + " class=\"badge state-" + escaped + "\">" + escaped + "</span>";
}

std::string CellText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string FormatMilliseconds(double milliseconds) {
  if (!std::isfinite(milliseconds) || milliseconds < 0) milliseconds = 0;
  char text[48];
  const char* format = milliseconds < 1 ? "%.2f ms" : milliseconds < 100 ? "%.1f ms" : "%.0f ms";
  std::snprintf(text, sizeof(text), format, milliseconds);
  return text;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  char text[48];
  if (seconds < 60) {
    std::snprintf(text, sizeof(text), "%.1f s", seconds);
  } else if (seconds < 3600) {
    const auto whole = static_cast<int64_t>(seconds);
    std::snprintf(text, sizeof(text), "%lld min %02lld s", static_cast<long long>(whole / 60),
                  static_cast<long long>(whole % 60));
  } else {
    const auto minutes = static_cast<int64_t>(seconds / 60);
    std::snprintf(text, sizeof(text), "%lld h %02lld min", static_cast<long long>(minutes / 60),
                  static_cast<long long>(minutes % 60));
  }
  return text;
}

std::string RenderErrorPage(std::string_view title, std::string_view message) {
  return PageStart(std::string(title) + " · runhook") + "<h1>" + HtmlEscape(title) + "</h1>\n<p>" +
         HtmlEscape(message) + "</p>\n" + PageEnd();
}

}  // namespace runhook::server
