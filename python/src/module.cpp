// runhook._runhook: the native half of the runhook Python package (see python/runhook/).
#include <pybind11/pybind11.h>

#include "bindings.h"

PYBIND11_MODULE(_runhook, module) {
  module.doc() = "Native bindings over the runhook C++ SDK; use the `runhook` package instead.";
  // runhook::Error from the SDK arrives in Python as runhook.Error (a RuntimeError).
  pybind11::register_exception<runhook::Error>(module, "Error", PyExc_RuntimeError);
  runhook::python::BindHooks(module);
  runhook::python::BindRun(module);
}
