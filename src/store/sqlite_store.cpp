// SqliteStore: opening, runs, hooks, history and events. Deliveries and attempts are in
// sqlite_store_deliveries.cpp.
#include "store/sqlite_store.h"

#include "core/clock.h"
#include "store/history_blocks.h"
#include "store/metric_chunks.h"
#include "store/schema.h"
#include "store/sql.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace runhook::store {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  Result<std::unique_ptr<sqlite::Connection>> connection = sqlite::Connection::Open(path);
  if (!connection) return connection.error();
  if (Status status = sqlite::MigrateSchema(**connection); !status) return status.error();
  return std::unique_ptr<Store>(
      std::make_unique<sqlite::SqliteStore>(std::move(connection).value()));
}

namespace sqlite {
namespace {

// Replaces the message of a kConflict error (a unique violation) with one a person can act on.
ErrorInfo ExplainConflict(ErrorInfo error, const std::string& message) {
  if (error.code == ErrorCode::kConflict) error.message = message;
  return error;
}

}  // namespace

std::string DescribeRun(const RunKey& key) { return key.entity + "/" + key.project + "/" + key.id; }

std::string JsonIdList(const std::vector<int64_t>& ids) {
  std::string list = "[";
  for (int64_t id : ids) {
    if (list.size() > 1) list += ',';
    list += std::to_string(id);
  }
  list += ']';
  return list;
}

Result<int64_t> SqliteStore::FindRunPk(const RunKey& key) {
  Result<StatementRef> statement = connection_->Prepare(sql::kFindRunPk);
  if (!statement) return statement.error();
  (*statement)->BindText(":entity", key.entity);
  (*statement)->BindText(":project", key.project);
  (*statement)->BindText(":run_id", key.id);
  Result<bool> row = (*statement)->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(ErrorCode::kNotFound, "run " + DescribeRun(key) + " not found");
  return (*statement)->ColumnInt64(0);
}

Status SqliteStore::CreateRun(const RunRecord& run, const std::vector<HookSpec>& hooks,
                              const EventWrite* event) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  {
    Result<StatementRef> insert = connection_->Prepare(sql::kInsertRun);
    if (!insert) return insert.error();
    (*insert)->BindText(":entity", run.key.entity);
    (*insert)->BindText(":project", run.key.project);
    (*insert)->BindText(":run_id", run.key.id);
    BindRunFields(**insert, run);
    (*insert)->BindInt64(":created_at", run.created_at_ms);
    (*insert)->BindInt64(":version", run.version);
    if (Status status = (*insert)->Execute(); !status)
      return ExplainConflict(status.error(), "run " + DescribeRun(run.key) + " already exists");
  }
  const int64_t run_pk = connection_->LastInsertRowId();
  for (size_t position = 0; position < hooks.size(); ++position) {
    Result<StatementRef> insert = connection_->Prepare(sql::kInsertHook);
    if (!insert) return insert.error();
    (*insert)->BindInt64(":run_pk", run_pk);
    (*insert)->BindInt64(":position", static_cast<int64_t>(position));
    BindHook(**insert, hooks[position]);
    if (Status status = (*insert)->Execute(); !status)
      return ExplainConflict(status.error(), "hook '" + hooks[position].name +
                                                 "' declared twice in run " + DescribeRun(run.key));
  }
  if (event != nullptr) {
    if (Status status = InsertEvent(run_pk, *event); !status) return status;
  }
  return transaction->Commit();
}

Result<RunRecord> SqliteStore::GetRun(const RunKey& key) {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectRun);
  if (!select) return select.error();
  (*select)->BindText(":entity", key.entity);
  (*select)->BindText(":project", key.project);
  (*select)->BindText(":run_id", key.id);
  Result<bool> row = (*select)->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(ErrorCode::kNotFound, "run " + DescribeRun(key) + " not found");
  return ReadRun(**select);
}

Result<std::vector<RunRecord>> SqliteStore::ListRuns(const std::string& entity,
                                                     const std::string& project,
                                                     const std::string& state, int limit) {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectProjectRuns);
  if (!select) return select.error();
  (*select)->BindText(":entity", entity);
  (*select)->BindText(":project", project);
  (*select)->BindText(":state", state);
  (*select)->BindInt64(":limit", limit);
  std::vector<RunRecord> runs;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    Result<RunRecord> run = ReadRun(**select);
    if (!run) return run.error();
    runs.push_back(std::move(run).value());
  }
  return runs;
}

Result<std::vector<ProjectInfo>> SqliteStore::ListProjects(int limit) {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectProjects);
  if (!select) return select.error();
  (*select)->BindInt64(":limit", limit);
  std::vector<ProjectInfo> projects;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    projects.push_back(ProjectInfo{(*select)->ColumnText(0), (*select)->ColumnText(1),
                                   (*select)->ColumnInt64(2), (*select)->ColumnInt64(3)});
  }
  return projects;
}

Result<std::vector<HookSpec>> SqliteStore::GetHooks(const RunKey& key) {
  MutexLock lock(mutex_);
  Result<int64_t> run_pk = FindRunPk(key);
  if (!run_pk) return run_pk.error();
  Result<StatementRef> select = connection_->Prepare(sql::kSelectHooks);
  if (!select) return select.error();
  (*select)->BindInt64(":run_pk", *run_pk);
  std::vector<HookSpec> hooks;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    Result<HookSpec> hook = ReadHook(**select);
    if (!hook) return hook.error();
    hooks.push_back(std::move(hook).value());
  }
  return hooks;
}

Status SqliteStore::WriteRun(int64_t run_pk, const RunRecord& run) {
  Result<StatementRef> update = connection_->Prepare(sql::kUpdateRun);
  if (!update) return update.error();
  (*update)->BindInt64(":pk", run_pk);
  (*update)->BindInt64(":version", run.version);
  BindRunFields(**update, run);
  if (Status status = (*update)->Execute(); !status) return status;
  if (connection_->Changes() == 0)
    return MakeError(ErrorCode::kConflict,
                     "run " + DescribeRun(run.key) + " changed since version " +
                         std::to_string(run.version) + " was read; re-read it and try again");
  return OkStatus();
}

Status SqliteStore::UpdateRun(const RunRecord& run, const EventWrite* event) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<int64_t> run_pk = FindRunPk(run.key);
  if (!run_pk) return run_pk.error();
  if (Status status = WriteRun(*run_pk, run); !status) return status;
  if (event != nullptr) {
    if (Status status = InsertEvent(*run_pk, *event); !status) return status;
  }
  return transaction->Commit();
}

Status SqliteStore::AppendHistory(const RunRecord& run, const std::string& batch_id,
                                  const std::vector<HistoryRow>& rows,
                                  const std::vector<EventWrite>& events) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<int64_t> run_pk = FindRunPk(run.key);
  if (!run_pk) return run_pk.error();
  if (!batch_id.empty()) {
    // Checked before the version: a retried batch is acknowledged even though the run's
    // version has moved on since the first try.
    Result<StatementRef> find = connection_->Prepare(sql::kFindHistoryBatch);
    if (!find) return find.error();
    (*find)->BindInt64(":run_pk", *run_pk);
    (*find)->BindText(":batch_id", batch_id);
    Result<bool> seen = (*find)->Step();
    if (!seen) return seen.error();
    if (*seen) return OkStatus();  // the transaction rolls back; it changed nothing
  }
  if (Status status = WriteRun(*run_pk, run); !status) return status;
  if (!batch_id.empty()) {
    Result<StatementRef> insert = connection_->Prepare(sql::kInsertHistoryBatch);
    if (!insert) return insert.error();
    (*insert)->BindInt64(":run_pk", *run_pk);
    (*insert)->BindText(":batch_id", batch_id);
    (*insert)->BindInt64(":created_at", core::NowUnixMillis());
    if (Status status = (*insert)->Execute(); !status) return status;
  }
  if (Status status = AppendHistoryBlocks(*connection_, *run_pk, rows); !status) return status;
  MetricPointsByKey metric_points;  // the rows' numeric values again, as series for charts
  MetricPointCollector collector(metric_points, rows.size());
  for (const HistoryRow& history_row : rows) collector.Add(history_row.step, history_row.values);
  if (Status status = AppendMetricChunks(*connection_, *run_pk, metric_points); !status)
    return status;
  for (const EventWrite& event : events) {
    if (Status status = InsertEvent(*run_pk, event); !status) return status;
  }
  return transaction->Commit();
}

Result<std::vector<HistoryRow>> SqliteStore::GetHistory(const RunKey& key, int64_t min_step,
                                                        int64_t max_step, int64_t limit) {
  MutexLock lock(mutex_);
  Result<int64_t> run_pk = FindRunPk(key);
  if (!run_pk) return run_pk.error();
  return ReadHistoryRange(*connection_, *run_pk, min_step, max_step, limit);
}

Status SqliteStore::InsertEvent(int64_t run_pk, const EventWrite& event,
                                std::vector<int64_t>* delivery_ids) {
  {
    Result<StatementRef> insert = connection_->Prepare(sql::kInsertEvent);
    if (!insert) return insert.error();
    (*insert)->BindInt64(":run_pk", run_pk);
    (*insert)->BindText(":type", event.type);
    (*insert)->BindInt64(":occurred_at", event.timestamp_ms);
    (*insert)->BindJson(":payload", event.payload);
    if (Status status = (*insert)->Execute(); !status) return status;
  }
  const int64_t event_id = connection_->LastInsertRowId();
  for (const DeliveryDraft& draft : event.deliveries) {
    Result<StatementRef> insert = connection_->Prepare(sql::kInsertDelivery);
    if (!insert) return insert.error();
    const bool render_failed = !draft.render_error.empty();
    (*insert)->BindInt64(":event_id", event_id);
    (*insert)->BindInt64(":run_pk", run_pk);
    BindDeliveryDraft(**insert, draft);
    // A draft that failed to render is stored failed and is never claimed.
    (*insert)->BindText(
        ":state", core::ToString(render_failed ? DeliveryState::kFailed : DeliveryState::kPending));
    (*insert)->BindText(":last_error", draft.render_error);
    (*insert)->BindInt64(":next_attempt_at", event.timestamp_ms);  // the first try is immediate
    (*insert)->BindInt64(":created_at", event.timestamp_ms);
    if (Status status = (*insert)->Execute(); !status)
      return ExplainConflict(status.error(),
                             "webhook id " + draft.webhook_id + " is already used by a delivery");
    if (delivery_ids) delivery_ids->push_back(connection_->LastInsertRowId());
  }
  return OkStatus();
}

Result<std::vector<Event>> SqliteStore::ListEvents(const RunKey& key) {
  MutexLock lock(mutex_);
  Result<int64_t> run_pk = FindRunPk(key);
  if (!run_pk) return run_pk.error();
  Result<StatementRef> select = connection_->Prepare(sql::kSelectEvents);
  if (!select) return select.error();
  (*select)->BindInt64(":run_pk", *run_pk);
  std::vector<Event> events;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    Event event;
    event.id = (*select)->ColumnInt64(0);
    event.run = key;
    event.type = (*select)->ColumnText(1);
    event.timestamp_ms = (*select)->ColumnInt64(2);
    Result<Json> payload = ReadJsonColumn(**select, 3, "event payload");
    if (!payload) return payload.error();
    event.payload = std::move(payload).value();
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace sqlite
}  // namespace runhook::store
