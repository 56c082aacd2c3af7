// Converting Python values to runhook::Json and back, for log(), config and summary.
//
// ToJson keeps Python's types apart as JSON can: None, bool, int (signed 64-bit; a larger one is an
// error), float, str, dicts with str keys (insertion order kept) and other Mappings, lists and
// tuples, and scalars that have `.item()` and `ndim == 0` (numpy scalars, 0-d numpy arrays, 0-d
// torch tensors). Anything else raises TypeError naming where the value sits, e.g.
//   runhook.log: cannot store the value at key 'metrics.grads[2]': ...
// REQUIRES: the GIL is held for every function here.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>

#include "runhook/runhook.h"

namespace runhook::python {

// Converts `value`; `what` starts the error message ("runhook.log", "config").
// Raises pybind11::type_error on a value that cannot be stored.
Json ToJson(pybind11::handle value, std::string_view what);

// Fills `out` (which must be a JSON object; it is cleared first, keeping its capacity) from the
// dict `values`, whose keys must be str. Raises pybind11::type_error naming the bad key.
void DictToJsonObject(pybind11::handle values, std::string_view what, Json& out);

// A dict (insertion order kept), list, str, int, float, bool or None.
pybind11::object FromJson(const Json& value);

}  // namespace runhook::python
