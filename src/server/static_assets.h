// The files the web UI serves under /static/: Chart.js (Debian's libjs-chart.js, 3.9.1, UMD
// global `Chart`) and web/run_page.js and web/style.css, embedded in the binary at build time
// (embed_static_assets.cmake writes static_assets_data.cpp), so the pages need no file on disk
// besides the binary. Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace runhook::server {

struct StaticAsset {
  std::string_view name;          // "chart.min.js": the path after /static/
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view version;       // the start of the content's SHA-256 (hex)
  std::string_view content;       // the file's bytes; static storage
};

// Every embedded asset (defined in the generated static_assets_data.cpp).
const std::vector<StaticAsset>& StaticAssets();

// The asset served at /static/`name`, or nullptr when there is none.
const StaticAsset* FindStaticAsset(std::string_view name);

// "/static/NAME?v=VERSION": the address pages link to. The version changes with the content, so
// assets are cached for a year (kStaticCacheControl) and a new runhook's still reach browsers.
// REQUIRES: `name` is an embedded asset (else the address has no version).
std::string StaticAssetUrl(std::string_view name);

inline constexpr std::string_view kStaticCacheControl = "public, max-age=31536000, immutable";

}  // namespace runhook::server
