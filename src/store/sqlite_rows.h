// Conversions between runhook's records and the SQLite store's rows: Bind* fill the named
// parameters of the statements in sql.h, Read* read the column lists of its SELECTs in order.
//
// Read* return kInternal when a stored value cannot be read back (corrupt JSON, an unknown
// state name): that is damage to the database, not a caller error. Pure functions of their
// arguments; thread safety is the statement's (none).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/delivery.h"
#include "core/hook.h"
#include "core/result.h"
#include "core/run.h"
#include "store/sqlite_statement.h"

namespace runhook::store::sqlite {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Binds the mutable run fields shared by sql::kInsertRun and sql::kUpdateRun (:name through
// :last_step). The key, :created_at, :pk and :version are bound by the caller.
void BindRunFields(Statement& statement, const core::RunRecord& run);
Result<core::RunRecord> ReadRun(const Statement& statement);  // sql::kSelectRun

void BindHook(Statement& statement, const core::HookSpec& hook);  // sql::kInsertHook
Result<core::HookSpec> ReadHook(const Statement& statement);      // sql::kSelectHooks

// Binds the request fields of sql::kInsertDelivery (:hook_name through :masked_request, but the
// state, times and last_error, which follow from the draft and the event).
void BindDeliveryDraft(Statement& statement, const core::DeliveryDraft& draft);
Result<core::Delivery> ReadDelivery(const Statement& statement);  // sql::kSelectDeliveries

core::Attempt ReadAttempt(const Statement& statement);  // sql::kSelectAttempts

// Step `statement` through all its rows. ReadRunKeys reads (entity, project, run_id) rows;
// ReadOptionalInt64 reads column 0 of the first row (none when there is no row or it is NULL).
Result<std::vector<core::RunKey>> ReadRunKeys(Statement& statement);
Result<std::optional<int64_t>> ReadOptionalInt64(Statement& statement);

// Reads one JSON column; `what` names it in the error.
Result<Json> ReadJsonColumn(const Statement& statement, int index, const char* what);

}  // namespace runhook::store::sqlite
