// HTML escaping for the server's pages. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace runhook::server {

// Escapes & < > " ' so `text` is safe inside element content and quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace runhook::server
