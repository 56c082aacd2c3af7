// HTML escaping as markupsafe does it (the `escape` filter and autoescaping): & < > " ' become
// &amp; &lt; &gt; &#34; &#39;, byte for byte what Python's Jinja2 writes. The server's pages use
// it too, so one page never mixes two spellings. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace runhook::templating {

// Appends `text`, escaped, to `out`.
void AppendHtmlEscaped(std::string_view text, std::string& out);

// Whether `text` has a character escaping would change (HtmlEscape(text) != text).
bool HasHtmlSpecial(std::string_view text);

// `text`, escaped; safe inside element content and quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace runhook::templating
