// Request bodies of docs/api.md parsed into plain structs. Checks types, ranges and names; says
// which field was wrong. Knows no HTTP and no store. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/hook.h"
#include "core/json.h"
#include "core/result.h"
#include "core/run.h"

namespace runhook::server {

// The entity a run belongs to when the request names none (a loopback server's implicit user).
inline constexpr std::string_view kDefaultEntity = "local";
// An entity no run may have: its pages would sit under the API's /api/ paths.
inline constexpr std::string_view kReservedEntity = "api";

// Parses a request body that must be a JSON object; an empty body is {}.
// Errors: kInvalidArgument "request body is not valid JSON: ..." or "... must be a JSON object".
Result<Json> ParseJsonObject(std::string_view body);

// POST /api/v1/runs. `run.key.id` and `run.name` are empty when not given (the caller generates
// them); hooks are parsed but not yet validated (see hook_validation.h). Times and state are
// left for the caller to set.
// `resume` is "", "allow", "must" or "never" ("" behaves like "never").
struct CreateRunRequest {
  core::RunRecord run;
  std::vector<core::HookSpec> hooks;
  std::string resume;
};
Result<CreateRunRequest> ParseCreateRunRequest(const Json& body);

// POST RUN/finish: {"exit_code": 0, "error": {"type", "message", "traceback"}, "reason": "..."}.
// `reason` is one of "", "exit_code", "exception", "killed", "crashed".
struct FinishRequest {
  int exit_code = 0;
  Json error = nullptr;
  std::string reason;
};
Result<FinishRequest> ParseFinishRequest(const Json& body);

// POST RUN/history: {"batch_id": "...", "rows": [{"step": N, "values": {...}}]}. Steps are
// integers >= 0; values are objects without an empty key.
struct HistoryBatch {
  std::string batch_id;
  std::vector<core::HistoryRow> rows;
};
Result<HistoryBatch> ParseHistoryBatch(const Json& body);

// POST RUN/alert: {"title": "...", "text": "...", "level": "INFO"|"WARN"|"ERROR",
// "wait_duration": seconds}. `title` is required and non-empty; level defaults to INFO.
struct AlertRequest {
  std::string title;
  std::string text;
  std::string level = "INFO";
  double wait_seconds = 0;
};
Result<AlertRequest> ParseAlertRequest(const Json& body);

// Checks the three path segments that address a run. Errors: kInvalidArgument naming the part.
Result<core::RunKey> ParseRunKey(const std::string& entity, const std::string& project,
                                 const std::string& id);

// "alice/webhook-demo/abc123", for messages.
std::string DescribeRun(const core::RunKey& key);

// kNotFound "run 'alice/webhook-demo/abc123' not found".
ErrorInfo RunNotFound(const core::RunKey& key);

// `error` itself, except that a kNotFound becomes RunNotFound(key) (store messages may not
// name the run).
ErrorInfo NameRunIfNotFound(const ErrorInfo& error, const core::RunKey& key);

}  // namespace runhook::server
