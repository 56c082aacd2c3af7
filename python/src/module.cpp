// runhook._runhook: the native half of the runhook Python package (see python/runhook/).
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "core/server_files.h"

PYBIND11_MODULE(_runhook, module) {
  module.doc() = "Native bindings over the runhook C++ SDK; use the `runhook` package instead.";
  // runhook::Error from the SDK arrives in Python as runhook.Error (a RuntimeError).
  pybind11::register_exception<runhook::Error>(module, "Error", PyExc_RuntimeError);
  runhook::python::BindHooks(module);
  runhook::python::BindRun(module);
  // The one rule for the default server address, shared with the SDK's Init and the CLI.
  module.def("default_server_url", &runhook::core::DefaultLocalServerUrl,
             "http://127.0.0.1:<$RUNHOOK_LOCAL_PORT or 5717>: where Init looks for (and starts) "
             "a local server when RUNHOOK_URL is unset.");
}
