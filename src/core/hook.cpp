#include "core/hook.h"

#include <algorithm>
#include <set>

#include "core/run_state.h"

namespace runhook::core {
namespace {

constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

ErrorInfo FieldError(const std::string& hook, std::string_view field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "hook '" + hook + "' field '" + std::string(field) + "': " + what);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  return true;
}

}  // namespace

std::string HookDisplayName(const HookSpec& hook, size_t index) {
  return hook.name.empty() ? "#" + std::to_string(index + 1) : hook.name;
}

Json HookToJson(const HookSpec& hook) {
  Json headers = Json::object();
  for (const auto& [key, value] : hook.headers) headers[key] = value;
  Json json = {{"name", hook.name},
               {"run_state", hook.run_states},
               {"url", hook.url},
               {"method", hook.method},
               {"body", hook.body},
               {"headers", headers},
               {"timeout", hook.timeout_seconds},
               {"max_attempts", hook.max_attempts ? Json(*hook.max_attempts) : Json(nullptr)},
               {"secret", hook.secret},
               {"when", hook.when},
               {"every", hook.every},
               {"strict", hook.strict},
               {"disabled", hook.disabled}};
  return json;
}

Result<HookSpec> HookFromJson(const Json& json, size_t index) {
  HookSpec hook;
  const std::string where = "hook #" + std::to_string(index + 1);
  if (!json.is_object())
    return MakeError(ErrorCode::kInvalidArgument, where + ": must be an object");
  auto string_field = [&](const char* key, std::string& out) -> Status {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) return OkStatus();
    if (!it->is_string()) return FieldError(json.value("name", where), key, "must be a string");
    out = it->get<std::string>();
    return OkStatus();
  };
  for (auto [key, out] : {std::pair{"name", &hook.name},
                          {"url", &hook.url},
                          {"method", &hook.method},
                          {"body", &hook.body},
                          {"secret", &hook.secret},
                          {"when", &hook.when},
                          {"every", &hook.every}}) {
    if (auto status = string_field(key, *out); !status) return status.error();
  }
  const std::string display = HookDisplayName(hook, index);
  if (auto it = json.find("run_state"); it != json.end() && !it->is_null()) {
    if (it->is_string()) {
      hook.run_states.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& state : *it) {
        if (!state.is_string()) return FieldError(display, "run_state", "must be strings");
        hook.run_states.push_back(state.get<std::string>());
      }
    } else {
      return FieldError(display, "run_state", "must be a string or a list of strings");
    }
  }
  if (auto it = json.find("headers"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) return FieldError(display, "headers", "must be an object");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string())
        return FieldError(display, "headers", "value of '" + key + "' must be a string");
      hook.headers.emplace_back(key, value.get<std::string>());
    }
  }
  if (auto it = json.find("timeout"); it != json.end() && !it->is_null()) {
    if (!it->is_number()) return FieldError(display, "timeout", "must be a number of seconds");
    hook.timeout_seconds = it->get<double>();
  }
  if (auto it = json.find("max_attempts"); it != json.end() && !it->is_null()) {
    if (!it->is_number_integer()) return FieldError(display, "max_attempts", "must be an integer");
    hook.max_attempts = it->get<int>();
  }
  if (auto it = json.find("strict"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) return FieldError(display, "strict", "must be true or false");
    hook.strict = it->get<bool>();
  }
  if (auto it = json.find("disabled"); it != json.end() && it->is_boolean()) {
    hook.disabled = it->get<bool>();
  }
  return hook;
}

Status ValidateHookShape(const HookSpec& hook) {
  const std::string& name = hook.name.empty() ? std::string("(unnamed)") : hook.name;
  if (hook.run_states.empty() && hook.when.empty())
    return FieldError(name, "run_state",
                      "no event given (use one of: " + std::string(EventTypeNames()) + ")");
  for (const auto& state : hook.run_states) {
    if (!ParseEventType(state))
      return FieldError(
          name, "run_state",
          "unknown state '" + state + "' (use one of: " + std::string(EventTypeNames()) + ")");
  }
  if (std::find(std::begin(kMethods), std::end(kMethods), hook.method) == std::end(kMethods))
    return FieldError(
        name, "method",
        "unsupported method '" + hook.method + "' (use GET, POST, PUT, PATCH or DELETE)");
  if (hook.url.empty()) return FieldError(name, "url", "is required");
  // The scheme must be written literally: a URL whose scheme comes from a template could
  // point anywhere, e.g. file://.
  if (!StartsWithNoCase(hook.url, "http://") && !StartsWithNoCase(hook.url, "https://"))
    return FieldError(name, "url", "'" + hook.url + "' is not an http:// or https:// URL");
  if (!(hook.timeout_seconds > 0) || hook.timeout_seconds > 3600)
    return FieldError(name, "timeout", "must be between 0 and 3600 seconds");
  if (hook.max_attempts && (*hook.max_attempts < 1 || *hook.max_attempts > 100))
    return FieldError(name, "max_attempts", "must be between 1 and 100");
  return OkStatus();
}

Status AssignHookNames(std::vector<HookSpec>& hooks) {
  std::set<std::string> seen;
  for (const auto& hook : hooks)
    if (!hook.name.empty() && !seen.insert(hook.name).second)
      return MakeError(ErrorCode::kInvalidArgument,
                       "hook '" + hook.name + "' field 'name': declared twice in one run");
  int counter = 0;
  for (auto& hook : hooks) {
    if (!hook.name.empty()) continue;
    std::string candidate;
    do {
      candidate = "hook-" + std::to_string(++counter);
    } while (seen.count(candidate));
    hook.name = candidate;
    seen.insert(candidate);
  }
  return OkStatus();
}

}  // namespace runhook::core
