// The built-in filters (abs, attr, batch, ..., wordcount). Each takes the filtered value and the
// call's arguments, with Python keyword-argument binding, and returns a new value.
#pragma once

#include <string>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

using FilterFunction = Value (*)(Renderer& renderer, const Value& target, CallArguments& arguments);

// Returns nullptr when Jinja2 has no filter of that name.
FilterFunction FindFilter(std::string_view name);

// For a filter called without arguments whose result is printed: appends what the filter's
// result of `target` prints to `output` and returns true, without building the result Value;
// returns false, having appended nothing, for a target it does not handle (then call the
// filter). Pure; thread-safe.
using FilterAppender = bool (*)(const Value& target, std::string* output);

// The appender of `filter` (upper, lower, capitalize, title, escape: strings only), or nullptr.
FilterAppender FindFilterAppender(FilterFunction filter);

// dictsort's order of a context JSON object's entries by key (ascending unless `reverse`,
// stable): writes them to entries[0, *count) and returns true, or returns false when the object
// has more than LoopData::kMaxJsonEntries entries or, unless `case_sensitive`, a key that is not
// ASCII (then sort the general way). REQUIRES: object.is_object(); `entries` holds
// LoopData::kMaxJsonEntries. The entries borrow from `object`.
bool SortJsonEntriesByKey(const Json& object, bool case_sensitive, bool reverse, JsonEntry* entries,
                          size_t* count);

// Percent-encodes `text` as the urlencode filter does (Python's quote): letters, digits and
// "_.-~" stay, and "/" too unless `for_query`, where a space becomes "+".
std::string UrlQuote(std::string_view text, bool for_query);

}  // namespace runhook::templating
