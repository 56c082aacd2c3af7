// The built-in filters (abs, attr, batch, ..., wordcount). Each takes the filtered value and the
// call's arguments, with Python keyword-argument binding, and returns a new value.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "template/value.h"

namespace runhook::templating {

using FilterFunction = Value (*)(Renderer& renderer, const Value& target, CallArguments& arguments);

// Returns nullptr when Jinja2 has no filter of that name.
FilterFunction FindFilter(std::string_view name);

// A printed filter call for its appender (see FindFilterAppender): the filtered value and the
// call's positional arguments (a call with keyword, * or ** arguments has none), both owned by
// the caller for the duration of the call.
struct AppendedFilterCall {
  const Value& target;
  std::span<const Value* const> arguments;
  size_t max_string_bytes;  // the sandbox's string limit (RenderLimits::max_string_bytes)
};

// For a filter whose result is printed: appends what the filter's result prints to `output`
// and returns true, without building the result Value; returns false, having appended nothing,
// for a call it does not handle (undefined operands, types, argument counts or results it
// leaves to the filter: then call the filter, which gives the result or Jinja2's error). Pure;
// thread-safe.
using FilterAppender = bool (*)(const AppendedFilterCall& call, std::string* output);

// The appender of `filter`, or nullptr: upper, lower, capitalize, title, escape (no arguments,
// strings); round (int or float, int precision); default (one optional argument,
// no boolean flag); join (a list or tuple, a string separator); format (a plain string, one or
// more arguments, none a tuple or dict when alone).
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
