// SqliteStore: deliveries made by hand (redelivery) and events that change no run (hook tests).
#include <string>
#include <vector>

#include "store/sql.h"
#include "store/sqlite_store_impl.h"

namespace runhook::store::sqlite {

Result<Delivery> SqliteStore::Redeliver(int64_t delivery_id, int64_t now_ms) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<Delivery> delivery = FindDelivery(delivery_id);
  if (!delivery) return delivery.error();
  if (!delivery->request.render_error.empty())
    return MakeError(ErrorCode::kConflict,
                     "delivery " + std::to_string(delivery_id) +
                         " cannot be redelivered: its hook failed to render, so it has no "
                         "request to send (" +
                         delivery->request.render_error + ")");
  {
    Result<StatementRef> update = connection_->Prepare(sql::kRedeliver);
    if (!update) return update.error();
    (*update)->BindInt64(":now", now_ms);
    (*update)->BindInt64(":id", delivery_id);
    if (Status status = (*update)->Execute(); !status) return status.error();
  }
  Result<Delivery> updated = FindDelivery(delivery_id);
  if (!updated) return updated.error();
  if (Status status = transaction->Commit(); !status) return status.error();
  return updated;
}

Result<std::vector<int64_t>> SqliteStore::AddEvent(const RunKey& run, const EventWrite& event) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<int64_t> run_pk = FindRunPk(run);
  if (!run_pk) return run_pk.error();
  std::vector<int64_t> delivery_ids;
  if (Status status = InsertEvent(*run_pk, event, &delivery_ids); !status) return status.error();
  if (Status status = transaction->Commit(); !status) return status.error();
  return delivery_ids;
}

}  // namespace runhook::store::sqlite
