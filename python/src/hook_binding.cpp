// Hook validation for runhook.hook(): the SDK's own checks (sdk::ValidateHooks), run at once.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "core/duration.h"
#include "sdk/hook_validation.h"

namespace py = pybind11;

namespace runhook::python {
namespace {

template <typename T>
T Field(py::handle fields, const char* name, T fallback) {
  py::object value = py::reinterpret_borrow<py::dict>(fields).attr("get")(name);
  return value.is_none() ? fallback : value.cast<T>();
}

// Raises ValueError with the SDK's message when a hook is invalid.
void ValidateOrRaise(const std::vector<Hook>& hooks, const std::string& unnamed_label) {
  auto validated = sdk::ValidateHooks(hooks);
  if (validated) return;
  std::string message = validated.error().message;
  // A hook checked alone is named "hook-1" by the SDK; its place in the run is not known yet.
  const std::string generated = "hook 'hook-1'";
  if (!unnamed_label.empty() && message.rfind(generated, 0) == 0)
    message = unnamed_label + message.substr(generated.size());
  throw py::value_error(message);
}

}  // namespace

Hook HookFromDict(py::handle fields) {
  Hook hook;
  hook.run_state = Field<std::vector<std::string>>(fields, "run_state", {});
  hook.url = Field<std::string>(fields, "url", "");
  hook.method = Field<std::string>(fields, "method", "POST");
  hook.body = Field<std::string>(fields, "body", "");
  hook.headers = Field<std::vector<std::pair<std::string, std::string>>>(fields, "headers", {});
  hook.name = Field<std::string>(fields, "name", "");
  hook.timeout = Field<double>(fields, "timeout", 15.0);
  py::object max_attempts = py::reinterpret_borrow<py::dict>(fields).attr("get")("max_attempts");
  if (!max_attempts.is_none()) hook.max_attempts = max_attempts.cast<int>();
  hook.secret = Field<std::string>(fields, "secret", "");
  hook.when = Field<std::string>(fields, "when", "");
  hook.every = Field<std::string>(fields, "every", "");
  hook.strict = Field<bool>(fields, "strict", false);
  return hook;
}

void BindHooks(py::module_& module) {
  module.def(
      "validate_hook",
      [](py::dict fields) {
        const Hook hook = HookFromDict(fields);
        ValidateOrRaise({hook}, hook.name.empty() ? "hook (unnamed)" : "");
      },
      py::arg("fields"),
      "Checks one hook as init() will (states, method, URL, timeout, attempts, template syntax).\n"
      "Raises ValueError naming the hook, the field and, for a template, line and column.");
  module.def(
      "validate_hooks",
      [](py::list hooks) {
        std::vector<Hook> native;
        for (py::handle fields : hooks) native.push_back(HookFromDict(fields));
        ValidateOrRaise(native, "");
      },
      py::arg("hooks"), "Checks the hooks of one run together (names unique).");
  module.def(
      "parse_duration",
      [](const std::string& text) {
        auto duration = core::ParseDuration(text);
        if (!duration)
          throw py::value_error("'" + text +
                                "' is not a duration: use seconds (2.5) or a unit (500ms, 3s, "
                                "5m, 2h)");
        return core::ToSeconds(*duration);
      },
      py::arg("text"), "Seconds in a duration such as '2.5', '500ms', '3s', '5m' or '2h'.");
}

}  // namespace runhook::python
