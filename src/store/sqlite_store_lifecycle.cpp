// SqliteStore: the run lifecycle (resume, crash detection, periodic hooks) and the history tail
// that `when` conditions read.
#include <algorithm>

#include "store/history_blocks.h"
#include "store/sql.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace runhook::store::sqlite {

Result<std::vector<HistoryRow>> SqliteStore::GetLastHistory(const RunKey& key, int64_t limit) {
  MutexLock lock(mutex_);
  Result<int64_t> run_pk = FindRunPk(key);
  if (!run_pk) return run_pk.error();
  return ReadLastHistory(*connection_, *run_pk, limit);
}

Status SqliteStore::ResumeRun(const RunRecord& run, const std::vector<HookSpec>& hooks) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<int64_t> run_pk = FindRunPk(run.key);
  if (!run_pk) return run_pk.error();
  if (Status status = WriteRun(*run_pk, run); !status) return status;
  int64_t position = 0;
  {
    Result<StatementRef> count = connection_->Prepare(sql::kCountHooks);
    if (!count) return count.error();
    (*count)->BindInt64(":run_pk", *run_pk);
    Result<bool> row = (*count)->Step();
    if (!row) return row.error();
    if (*row) position = (*count)->ColumnInt64(0);
  }
  for (const HookSpec& hook : hooks) {
    Result<StatementRef> upsert = connection_->Prepare(sql::kUpsertHook);
    if (!upsert) return upsert.error();
    (*upsert)->BindInt64(":run_pk", *run_pk);
    (*upsert)->BindInt64(":position", position++);  // a replaced hook keeps its position
    BindHook(**upsert, hook);
    if (Status status = (*upsert)->Execute(); !status) return status;
  }
  return transaction->Commit();
}

Result<std::vector<RunKey>> SqliteStore::ListStaleRunningRuns(int64_t heartbeat_before_ms,
                                                              int limit) {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectStaleRuns);
  if (!select) return select.error();
  (*select)->BindInt64(":before", heartbeat_before_ms);
  (*select)->BindInt64(":limit", limit);
  return ReadRunKeys(**select);
}

Result<std::vector<RunKey>> SqliteStore::ListPeriodicDueRuns(int64_t now_ms, int limit) {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectPeriodicDueRuns);
  if (!select) return select.error();
  (*select)->BindInt64(":now", now_ms);
  (*select)->BindInt64(":limit", limit);
  return ReadRunKeys(**select);
}

Result<std::optional<int64_t>> SqliteStore::NextPeriodicDueTime() {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kNextPeriodicDueTime);
  if (!select) return select.error();
  return ReadOptionalInt64(**select);
}

}  // namespace runhook::store::sqlite
