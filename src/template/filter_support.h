// Helpers shared by the filter implementations.
#pragma once

#include <functional>
#include <string>

#include "template/arguments.h"
#include "template/errors.h"
#include "template/renderer.h"
#include "template/value.h"

namespace runhook::templating {

// Jinja2's soft_str: str(value), with undefined printed as "" (or failing in strict mode).
inline std::string Text(Renderer& renderer, const Value& value) { return renderer.ToText(value); }

// Jinja2's make_attrgetter: `attribute` is a dotted path ("user.name", "0"); undefined results
// are replaced by `fallback` when one is given; `lower` lowercases strings (case-insensitive).
std::function<Value(const Value&)> MakeAttributeGetter(Renderer& renderer, const Value& attribute,
                                                       const Value* fallback, bool lower);
// ignore_case: lowercases strings, leaves other values alone.
Value IgnoreCase(const Value& value);
int64_t IntArgument(const Value& value, std::string_view what);

Value FilterBatch(Renderer&, const Value&, CallArguments&);
Value FilterDictSort(Renderer&, const Value&, CallArguments&);
Value FilterFirst(Renderer&, const Value&, CallArguments&);
Value FilterGroupBy(Renderer&, const Value&, CallArguments&);
Value FilterItems(Renderer&, const Value&, CallArguments&);
Value FilterJoin(Renderer&, const Value&, CallArguments&);
Value FilterLast(Renderer&, const Value&, CallArguments&);
Value FilterLength(Renderer&, const Value&, CallArguments&);
Value FilterList(Renderer&, const Value&, CallArguments&);
Value FilterMap(Renderer&, const Value&, CallArguments&);
Value FilterMax(Renderer&, const Value&, CallArguments&);
Value FilterMin(Renderer&, const Value&, CallArguments&);
Value FilterReject(Renderer&, const Value&, CallArguments&);
Value FilterRejectAttr(Renderer&, const Value&, CallArguments&);
Value FilterReverse(Renderer&, const Value&, CallArguments&);
Value FilterSelect(Renderer&, const Value&, CallArguments&);
Value FilterSelectAttr(Renderer&, const Value&, CallArguments&);
Value FilterSlice(Renderer&, const Value&, CallArguments&);
Value FilterSort(Renderer&, const Value&, CallArguments&);
Value FilterSum(Renderer&, const Value&, CallArguments&);
Value FilterUnique(Renderer&, const Value&, CallArguments&);

}  // namespace runhook::templating
