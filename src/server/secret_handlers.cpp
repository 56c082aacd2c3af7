// Thin handlers for the stored secrets. A value comes in with PUT and never goes out: answers,
// errors and log lines carry names and times only.
#include <algorithm>
#include <string>

#include "core/clock.h"
#include "server/handlers.h"
#include "server/http_responses.h"
#include "server/request_parsing.h"

namespace runhook::server {
namespace {

constexpr size_t kMaxNameLength = 128;
constexpr size_t kMaxValueBytes = 64 * 1024;

// Why `name` cannot name a secret (it must work as `{{ secrets.NAME }}`), or "" when it can.
std::string FindNameProblem(const std::string& name) {
  const auto is_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > kMaxNameLength || !is_start(name[0]) ||
      !std::all_of(name.begin() + 1, name.end(), is_rest))
    return "secret name '" + name + "' is not valid: use 1-" + std::to_string(kMaxNameLength) +
           " of A-Z, a-z, 0-9 and _, not starting with a digit (it is used as {{ secrets.NAME }})";
  return "";
}

Result<std::string> NameFromPath(const httplib::Request& request) {
  std::string name = request.matches[1].str();
  if (std::string problem = FindNameProblem(name); !problem.empty())
    return MakeError(ErrorCode::kInvalidArgument, problem);
  return name;
}

Json SecretInfoToJson(const store::SecretInfo& secret) {
  return Json{{"name", secret.name},
              {"created_at", core::FormatIso8601(secret.created_at_ms)},
              {"updated_at", core::FormatIso8601(secret.updated_at_ms)}};
}

}  // namespace

void HandleListSecrets(const ApiContext& api, const httplib::Request&,
                       httplib::Response& response) {
  auto secrets = api.store.ListSecrets();
  if (!secrets) return SendError(response, secrets.error());
  Json list = Json::array();
  for (const auto& secret : *secrets) list.push_back(SecretInfoToJson(secret));
  SendJson(response, 200, Json{{"secrets", std::move(list)}});
}

void HandlePutSecret(const ApiContext& api, const httplib::Request& request,
                     httplib::Response& response) {
  auto name = NameFromPath(request);
  if (!name) return SendError(response, name.error());
  auto body = ParseJsonObject(request.body);
  if (!body) return SendError(response, body.error());
  auto value = body->find("value");
  if (value == body->end() || !value->is_string() || value->get_ref<const std::string&>().empty())
    return SendError(response, MakeError(ErrorCode::kInvalidArgument,
                                         "field 'value' must be a non-empty string"));
  if (value->get_ref<const std::string&>().size() > kMaxValueBytes)
    return SendError(response, MakeError(ErrorCode::kInvalidArgument,
                                         "field 'value' is longer than " +
                                             std::to_string(kMaxValueBytes) + " bytes"));
  if (Status stored = api.store.PutSecret(*name, value->get<std::string>()); !stored)
    return SendError(response, stored.error());
  auto secrets = api.store.ListSecrets();
  if (!secrets) return SendError(response, secrets.error());
  for (const auto& secret : *secrets)
    if (secret.name == *name)
      return SendJson(response, 200, {{"secret", SecretInfoToJson(secret)}});
  SendError(response, MakeError(ErrorCode::kInternal,
                                "secret '" + *name + "' was stored but could not be read back"));
}

void HandleDeleteSecret(const ApiContext& api, const httplib::Request& request,
                        httplib::Response& response) {
  auto name = NameFromPath(request);
  if (!name) return SendError(response, name.error());
  if (Status deleted = api.store.DeleteSecret(*name); !deleted)
    return SendError(response, deleted.error());
  SendJson(response, 200, Json{{"deleted", *name}});
}

}  // namespace runhook::server
