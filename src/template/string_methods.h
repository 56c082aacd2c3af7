// Python's str methods callable from templates ("a,b".split(","), name.upper(), ...), and the
// helpers behind them that filters share.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "template/renderer.h"
#include "template/value.h"

namespace runhook::templating {

// Every name IsStringMethod accepts.
const std::set<std::string_view, std::less<>>& StringMethodNames();
bool IsStringMethod(std::string_view name);
Value CallStringMethod(Renderer& renderer, const Value& object, std::string_view name,
                       CallArguments& arguments);

// str.strip(chars) / lstrip / rstrip; `chars` null strips Unicode whitespace.
std::string PythonStrip(std::string_view text, const std::string* chars, bool left, bool right);
// str.split(separator, max_split); `separator` null splits on runs of whitespace.
std::vector<std::string> PythonSplit(std::string_view text, const std::string* separator,
                                     int64_t max_split);
// str.replace(old, new, count); count < 0 replaces all.
std::string PythonReplace(std::string_view text, std::string_view old_text,
                          std::string_view new_text, int64_t count);
std::string PythonTitle(std::string_view text);  // str.title

}  // namespace runhook::templating
