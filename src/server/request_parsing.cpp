#include "server/request_parsing.h"

#include <limits>

#include "core/ids.h"

namespace runhook::server {
namespace {

ErrorInfo FieldError(std::string_view field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, "field '" + std::string(field) + "': " + what);
}

// Copies an optional string field into `out`; null or absent leaves `out` unchanged.
Status ReadString(const Json& body, const char* key, std::string& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return OkStatus();
  if (!it->is_string()) return FieldError(key, "must be a string");
  out = it->get<std::string>();
  return OkStatus();
}

}  // namespace

Result<Json> ParseJsonObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return Json::object();
  Json json;
  try {
    json = Json::parse(body);
  } catch (const Json::parse_error& error) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("request body is not valid JSON: ") + error.what());
  }
  if (!json.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "request body must be a JSON object");
  return json;
}

std::string DescribeRun(const core::RunKey& key) {
  return key.entity + "/" + key.project + "/" + key.id;
}

ErrorInfo RunNotFound(const core::RunKey& key) {
  return MakeError(ErrorCode::kNotFound, "run '" + DescribeRun(key) + "' not found");
}

ErrorInfo NameRunIfNotFound(const ErrorInfo& error, const core::RunKey& key) {
  return error.code == ErrorCode::kNotFound ? RunNotFound(key) : error;
}

Result<core::RunKey> ParseRunKey(const std::string& entity, const std::string& project,
                                 const std::string& id) {
  if (!core::IsValidSlug(entity))
    return MakeError(
        ErrorCode::kInvalidArgument,
        "entity '" + entity + "' is not valid (1-128 characters of A-Z a-z 0-9 _ . -)");
  if (!core::IsValidSlug(project))
    return MakeError(ErrorCode::kInvalidArgument, "project '" + project +
                                                      "' is not valid (1-128 characters of "
                                                      "A-Z a-z 0-9 _ . -)");
  if (!core::IsValidRunId(id))
    return MakeError(ErrorCode::kInvalidArgument,
                     "run id '" + id + "' is not valid (1-64 characters of A-Z a-z 0-9 _ -)");
  return core::RunKey{entity, project, id};
}

Result<CreateRunRequest> ParseCreateRunRequest(const Json& body) {
  CreateRunRequest request;
  core::RunRecord& run = request.run;
  run.key.entity = std::string(kDefaultEntity);
  for (auto [key, out] : {std::pair{"entity", &run.key.entity},
                          {"project", &run.key.project},
                          {"id", &run.key.id},
                          {"name", &run.name},
                          {"job_type", &run.job_type},
                          {"group", &run.group},
                          {"notes", &run.notes},
                          {"host", &run.host}}) {
    if (auto status = ReadString(body, key, *out); !status) return status.error();
  }
  if (run.key.project.empty())
    return FieldError("project", "is required (the project the run belongs to)");
  if (!core::IsValidSlug(run.key.entity))
    return FieldError(
        "entity", "'" + run.key.entity + "' is not valid (1-128 characters of A-Z a-z 0-9 _ . -)");
  if (run.key.entity == kReservedEntity)
    return FieldError("entity", "'" + run.key.entity +
                                    "' is reserved (run pages live under /ENTITY/, the API under "
                                    "/api/); choose another entity");
  if (!core::IsValidSlug(run.key.project))
    return FieldError("project", "'" + run.key.project +
                                     "' is not valid (1-128 characters of A-Z a-z 0-9 _ . -)");
  if (!run.key.id.empty() && !core::IsValidRunId(run.key.id))
    return FieldError("id",
                      "'" + run.key.id + "' is not valid (1-64 characters of A-Z a-z 0-9 _ -)");

  if (auto status = ReadString(body, "resume", request.resume); !status) return status.error();
  if (!request.resume.empty() && request.resume != "allow" && request.resume != "must" &&
      request.resume != "never")
    return FieldError("resume",
                      "unknown value '" + request.resume + "' (use allow, must or never)");
  if (auto it = body.find("tags"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return FieldError("tags", "must be a list of strings");
    for (const auto& tag : *it) {
      if (!tag.is_string()) return FieldError("tags", "must be a list of strings");
      run.tags.push_back(tag.get<std::string>());
    }
  }
  if (auto it = body.find("config"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return FieldError("config", "must be a JSON object");
    run.config = *it;
  }
  if (auto it = body.find("hooks"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return FieldError("hooks", "must be a list of hook objects");
    for (size_t index = 0; index < it->size(); ++index) {
      auto hook = core::HookFromJson((*it)[index], index);
      if (!hook) return hook.error();
      request.hooks.push_back(std::move(hook.value()));
    }
  }
  return request;
}

Result<FinishRequest> ParseFinishRequest(const Json& body) {
  FinishRequest request;
  if (auto it = body.find("exit_code"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return FieldError("exit_code", "must be an integer");
    if (it->is_number_unsigned() ? it->get<uint64_t>() > std::numeric_limits<int>::max()
                                 : (it->get<int64_t>() < std::numeric_limits<int>::min() ||
                                    it->get<int64_t>() > std::numeric_limits<int>::max()))
      return FieldError("exit_code", "is out of range");
    request.exit_code = it->get<int>();
  }
  if (auto it = body.find("error"); it != body.end() && !it->is_null()) {
    if (!it->is_object())
      return FieldError("error", "must be an object {\"type\", \"message\", \"traceback\"}");
    for (const auto& [key, value] : it->items()) {
      if (key == "traceback" && value.is_array()) continue;
      if (!value.is_string() && !value.is_null())
        return FieldError("error." + key, "must be a string");
    }
    request.error = *it;
  }
  if (auto status = ReadString(body, "reason", request.reason); !status) return status.error();
  if (!request.reason.empty() && request.reason != "exit_code" && request.reason != "exception" &&
      request.reason != "killed" && request.reason != "crashed")
    return FieldError("reason", "unknown reason '" + request.reason +
                                    "' (use exit_code, exception, killed or crashed)");
  return request;
}

Result<AlertRequest> ParseAlertRequest(const Json& body) {
  AlertRequest request;
  if (auto status = ReadString(body, "title", request.title); !status) return status.error();
  if (request.title.empty()) return FieldError("title", "is required and must not be empty");
  if (auto status = ReadString(body, "text", request.text); !status) return status.error();
  if (auto status = ReadString(body, "level", request.level); !status) return status.error();
  if (request.level.empty()) request.level = "INFO";
  if (request.level != "INFO" && request.level != "WARN" && request.level != "ERROR")
    return FieldError("level", "unknown level '" + request.level + "' (use INFO, WARN or ERROR)");
  if (auto it = body.find("wait_duration"); it != body.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() < 0)
      return FieldError("wait_duration", "must be a number of seconds >= 0");
    request.wait_seconds = it->get<double>();
  }
  return request;
}

Result<HistoryBatch> ParseHistoryBatch(const Json& body) {
  HistoryBatch batch;
  if (auto status = ReadString(body, "batch_id", batch.batch_id); !status) return status.error();
  auto rows = body.find("rows");
  if (rows == body.end() || rows->is_null()) return FieldError("rows", "is required");
  if (!rows->is_array()) return FieldError("rows", "must be a list of {\"step\", \"values\"}");
  for (size_t index = 0; index < rows->size(); ++index) {
    const Json& row = (*rows)[index];
    const std::string where = "rows[" + std::to_string(index) + "]";
    if (!row.is_object()) return FieldError(where, "must be an object {\"step\", \"values\"}");
    auto step = row.find("step");
    if (step == row.end() || !step->is_number_integer() ||
        (step->is_number_integer() && !step->is_number_unsigned() && step->get<int64_t>() < 0))
      return FieldError(where + ".step", "must be an integer >= 0");
    if (step->is_number_unsigned() &&
        step->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return FieldError(where + ".step", "is out of range");
    auto values = row.find("values");
    if (values == row.end() || !values->is_object())
      return FieldError(where + ".values", "must be an object of metric values");
    batch.rows.push_back(core::HistoryRow{step->get<int64_t>(), *values});
  }
  return batch;
}

}  // namespace runhook::server
