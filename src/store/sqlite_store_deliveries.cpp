// SqliteStore: deliveries, the dispatcher's claims, and attempts.
#include <string>

#include "store/sql.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace runhook::store::sqlite {
namespace {

std::string DeliveryNotFound(int64_t delivery_id) {
  return "delivery " + std::to_string(delivery_id) + " not found";
}

// The SQL for one combination of DeliveryFilter fields, newest first. Each combination is a
// separate cached statement, so SQLite can pick the matching index.
std::string ListDeliveriesSql(const DeliveryFilter& filter) {
  std::string text(sql::kSelectDeliveries);
  const char* joiner = " WHERE ";
  auto add = [&](const char* condition) {
    text += joiner;
    text += condition;
    joiner = " AND ";
  };
  if (filter.run) add("d.run_pk = :run_pk");
  if (filter.hook_name) add("d.hook_name = :hook_name");
  if (filter.state) add("d.state = :state");
  text += " ORDER BY d.id DESC LIMIT :limit";
  return text;
}

}  // namespace

Result<std::vector<Delivery>> SqliteStore::ReadDeliveries(Statement& statement) {
  std::vector<Delivery> deliveries;
  while (true) {
    Result<bool> row = statement.Step();
    if (!row) return row.error();
    if (!*row) break;
    Result<Delivery> delivery = ReadDelivery(statement);
    if (!delivery) return delivery.error();
    deliveries.push_back(std::move(delivery).value());
  }
  return deliveries;
}

Result<Delivery> SqliteStore::FindDelivery(int64_t delivery_id) {
  static const std::string kById = std::string(sql::kSelectDeliveries) + " WHERE d.id = :id";
  Result<StatementRef> select = connection_->Prepare(kById);
  if (!select) return select.error();
  (*select)->BindInt64(":id", delivery_id);
  Result<std::vector<Delivery>> found = ReadDeliveries(**select);
  if (!found) return found.error();
  if (found->empty()) return MakeError(ErrorCode::kNotFound, DeliveryNotFound(delivery_id));
  return std::move(found->front());
}

Result<DeliveryState> SqliteStore::FindDeliveryState(int64_t delivery_id) {
  Result<StatementRef> select = connection_->Prepare(sql::kSelectDeliveryState);
  if (!select) return select.error();
  (*select)->BindInt64(":id", delivery_id);
  Result<bool> row = (*select)->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(ErrorCode::kNotFound, DeliveryNotFound(delivery_id));
  const std::string text = (*select)->ColumnText(0);
  std::optional<DeliveryState> state = core::ParseDeliveryState(text);
  if (!state)
    return MakeError(ErrorCode::kInternal,
                     "stored delivery state '" + text + "' is unknown to this runhook");
  return *state;
}

Result<std::vector<Delivery>> SqliteStore::ListDeliveries(const DeliveryFilter& filter) {
  MutexLock lock(mutex_);
  int64_t run_pk = 0;
  if (filter.run) {
    Result<int64_t> found = FindRunPk(*filter.run);
    if (!found) {
      if (found.error().code == ErrorCode::kNotFound) return std::vector<Delivery>{};
      return found.error();
    }
    run_pk = *found;
  }
  Result<StatementRef> select = connection_->Prepare(ListDeliveriesSql(filter));
  if (!select) return select.error();
  if (filter.run) (*select)->BindInt64(":run_pk", run_pk);
  if (filter.hook_name) (*select)->BindText(":hook_name", *filter.hook_name);
  if (filter.state) (*select)->BindText(":state", core::ToString(*filter.state));
  (*select)->BindInt64(":limit", filter.limit);
  return ReadDeliveries(**select);
}

Result<Delivery> SqliteStore::GetDelivery(int64_t delivery_id) {
  MutexLock lock(mutex_);
  return FindDelivery(delivery_id);
}

Result<std::vector<Attempt>> SqliteStore::ListAttempts(int64_t delivery_id) {
  MutexLock lock(mutex_);
  if (Result<DeliveryState> state = FindDeliveryState(delivery_id); !state) return state.error();
  Result<StatementRef> select = connection_->Prepare(sql::kSelectAttempts);
  if (!select) return select.error();
  (*select)->BindInt64(":delivery_id", delivery_id);
  std::vector<Attempt> attempts;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    attempts.push_back(ReadAttempt(**select));
  }
  return attempts;
}

Result<std::vector<Delivery>> SqliteStore::ClaimDueDeliveries(int64_t now_ms, int limit,
                                                              int64_t lease_ms,
                                                              const std::string& owner) {
  MutexLock lock(mutex_);
  if (limit <= 0) return std::vector<Delivery>{};
  // The write lock is taken first (BEGIN IMMEDIATE), so no other connection can claim the same
  // rows between the SELECT and the UPDATE.
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<StatementRef> select = connection_->Prepare(sql::kSelectDueDeliveries);
  if (!select) return select.error();
  (*select)->BindInt64(":now", now_ms);
  (*select)->BindInt64(":limit", limit);
  Result<std::vector<Delivery>> claimed = ReadDeliveries(**select);
  if (!claimed || claimed->empty()) return claimed;
  // One statement leases them all (not one per delivery).
  std::vector<int64_t> ids;
  ids.reserve(claimed->size());
  for (const Delivery& delivery : *claimed) ids.push_back(delivery.id);
  Result<StatementRef> lease = connection_->Prepare(sql::kLeaseDeliveries);
  if (!lease) return lease.error();
  (*lease)->BindText(":owner", owner);
  (*lease)->BindInt64(":lease_until", now_ms + lease_ms);
  (*lease)->BindText(":ids", JsonIdList(ids));
  if (Status status = (*lease)->Execute(); !status) return status.error();
  if (Status status = transaction->Commit(); !status) return status.error();
  return claimed;
}

std::vector<Status> SqliteStore::RecordAttempts(const std::vector<AttemptOutcome>& outcomes) {
  MutexLock lock(mutex_);
  std::vector<Status> results;
  results.reserve(outcomes.size());
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) {
    results.assign(outcomes.size(), Status(transaction.error()));
    return results;
  }
  // No savepoint per outcome: WriteAttempt's first statement either writes the attempt or
  // nothing (SQLite undoes a failed statement), and a failure after it is a database error that
  // dooms the whole transaction, reported for every outcome below.
  for (const AttemptOutcome& outcome : outcomes) {
    bool transaction_broken = false;
    Status written = WriteAttempt(outcome, &transaction_broken);
    if (transaction_broken) {
      results.assign(outcomes.size(), written);
      return results;  // the transaction rolls back
    }
    results.push_back(std::move(written));
  }
  if (Status committed = transaction->Commit(); !committed) {
    for (Status& result : results)
      if (result) result = committed;
  }
  return results;
}

Status SqliteStore::WriteAttempt(const AttemptOutcome& outcome, bool* transaction_broken) {
  const int64_t delivery_id = outcome.attempt.delivery_id;
  *transaction_broken = false;
  {
    const Attempt& attempt = outcome.attempt;
    Result<StatementRef> insert = connection_->Prepare(sql::kInsertAttempt);
    if (!insert) return insert.error();
    (*insert)->BindInt64(":delivery_id", delivery_id);
    (*insert)->BindInt64(":number", attempt.number);
    (*insert)->BindInt64(":started_at", attempt.started_at_ms);
    (*insert)->BindInt64(":status_code", attempt.status_code);
    (*insert)->BindDouble(":latency_ms", attempt.latency_ms);
    (*insert)->BindBlob(":response_excerpt", attempt.response_excerpt);
    (*insert)->BindText(":error", attempt.error);
    if (Status status = (*insert)->Execute(); !status) {
      ErrorInfo error = status.error();
      if (error.code == ErrorCode::kConflict)
        error.message = "attempt " + std::to_string(attempt.number) + " of delivery " +
                        std::to_string(delivery_id) +
                        " is already recorded (another dispatcher took over an expired lease?)";
      return error;
    }
  }
  if (connection_->Changes() == 0) {  // not pending: say what it is instead
    Result<DeliveryState> state = FindDeliveryState(delivery_id);
    if (!state) return state.error();
    return MakeError(ErrorCode::kConflict,
                     "delivery " + std::to_string(delivery_id) + " is already " +
                         std::string(core::ToString(*state)) + "; the attempt was not recorded");
  }
  // From here on the attempt row is written: a failure leaves the transaction half done.
  *transaction_broken = true;
  {
    Result<StatementRef> update = connection_->Prepare(sql::kRecordDeliveryOutcome);
    if (!update) return update.error();
    (*update)->BindText(":state", core::ToString(outcome.new_state));
    (*update)->BindInt64(":next_attempt_at", outcome.next_attempt_at_ms);
    (*update)->BindText(":last_error", outcome.error);
    (*update)->BindInt64(":id", delivery_id);
    if (Status status = (*update)->Execute(); !status) return status;
  }
  if (!outcome.disable_hook_reason.empty()) {
    Result<StatementRef> select = connection_->Prepare(sql::kSelectDeliveryHook);
    if (!select) return select.error();
    (*select)->BindInt64(":id", delivery_id);
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) return MakeError(ErrorCode::kNotFound, DeliveryNotFound(delivery_id));
    const int64_t run_pk = (*select)->ColumnInt64(0);
    const std::string hook_name = (*select)->ColumnText(1);
    // A delivery of a hook that no longer exists (a test delivery) disables nothing.
    Status disabled = WriteHookDisabled(run_pk, "of delivery " + std::to_string(delivery_id),
                                        hook_name, outcome.disable_hook_reason);
    if (!disabled && disabled.error().code != ErrorCode::kNotFound) return disabled;
  }
  *transaction_broken = false;
  return OkStatus();
}

Status SqliteStore::DeferDelivery(int64_t delivery_id, const std::string& owner,
                                  int64_t next_attempt_at_ms) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  {
    Result<StatementRef> update = connection_->Prepare(sql::kDeferDelivery);
    if (!update) return update.error();
    (*update)->BindInt64(":next_attempt_at", next_attempt_at_ms);
    (*update)->BindText(":owner", owner);
    (*update)->BindInt64(":id", delivery_id);
    if (Status status = (*update)->Execute(); !status) return status;
  }
  if (connection_->Changes() == 0) {
    Result<DeliveryState> state = FindDeliveryState(delivery_id);
    if (!state) return state.error();
    return MakeError(ErrorCode::kConflict, "delivery " + std::to_string(delivery_id) +
                                               " is not a pending delivery leased to '" + owner +
                                               "'; it was not deferred");
  }
  return transaction->Commit();
}

Result<std::vector<std::string>> SqliteStore::ListLeaseOwners(int64_t now_ms) {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectLeaseOwners);
  if (!select) return select.error();
  (*select)->BindInt64(":now", now_ms);
  std::vector<std::string> owners;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    owners.push_back((*select)->ColumnText(0));
  }
  return owners;
}

Result<int> SqliteStore::ReleaseLeases(const std::string& owner) {
  MutexLock lock(mutex_);
  Result<StatementRef> update = connection_->Prepare(sql::kReleaseLeases);
  if (!update) return update.error();
  (*update)->BindText(":owner", owner);
  if (Status status = (*update)->Execute(); !status) return status.error();
  return static_cast<int>(connection_->Changes());
}

Result<std::optional<int64_t>> SqliteStore::NextDueTime() {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kNextDueTime);
  if (!select) return select.error();
  return ReadOptionalInt64(**select);
}

}  // namespace runhook::store::sqlite
