// The parts every web UI page shares: the document head (title, the embedded stylesheet), the
// top navigation, state badges, and the error page. Every text argument is escaped here; the
// `*_html` arguments are markup the caller built (with its own values escaped). No request to
// any other host: styles and scripts come from /static/ (static_assets.h). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"

namespace runhook::server {

// From "<!DOCTYPE html>" to the opening of <main>: <title>`title`</title>, the stylesheet, and a
// navigation bar with a link home followed by `breadcrumbs_html`.
std::string PageStart(std::string_view title, std::string_view breadcrumbs_html = "");

// Closes <main>, adds `scripts_html` (e.g. <script src="/static/...">) and ends the document.
std::string PageEnd(std::string_view scripts_html = "");

// <span class="badge state-STATE">STATE</span>; with `id` non-empty also id="ID".
std::string StateBadge(std::string_view state, std::string_view id = "");

// A JSON value as one table cell shows it: strings without quotes, anything else as compact
// JSON (invalid UTF-8 replaced). Not escaped.
std::string CellText(const Json& value);

// "1 h 02 min", "3 min 04 s", "12.5 s": a duration for people.
std::string FormatDuration(double seconds);

// "0.42 ms", "12.5 ms", "1530 ms": a latency with two or three significant digits.
std::string FormatMilliseconds(double milliseconds);

// A small page for a missing run or a bad address, with `message` escaped.
std::string RenderErrorPage(std::string_view title, std::string_view message);

}  // namespace runhook::server
