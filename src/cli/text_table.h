// Plain-text tables for the CLI verbs' readable output. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace runhook::cli {

// `rows` (the first one the header) as lines of left-aligned columns two spaces apart, each
// line ending in '\n'. Rows may have fewer cells than the widest; trailing spaces are dropped.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace runhook::cli
