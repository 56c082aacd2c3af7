// The pieces of the `runhook._runhook` extension module; each Bind* adds its names to `module`.
// REQUIRES: called once, from PYBIND11_MODULE, with the GIL held.
#pragma once

#include <pybind11/pybind11.h>

#include "runhook/runhook.h"

namespace runhook::python {

// validate_hooks(), parse_duration().
void BindHooks(pybind11::module_& module);
// The Run class and init().
void BindRun(pybind11::module_& module);

class NativeRun;
// NativeRun.log: a raw CPython function bound to `run` that keeps `owner` (run's Python object)
// alive (fast_log.cpp).
pybind11::object MakeLogFunction(pybind11::object owner, NativeRun& run);

// A Hook from the dict runhook._hooks.Hook.to_native() builds (keys as Hook's fields).
Hook HookFromDict(pybind11::handle fields);

}  // namespace runhook::python
