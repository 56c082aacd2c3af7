// SqliteStore: the Store implementation behind OpenSqliteStore (sqlite_store.h). Internal to
// the store library; other code uses the Store interface.
//
// Thread safety: one connection guarded by one mutex; every public method takes the mutex for
// its whole duration, so calls from the HTTP threads and the dispatcher are serialised and each
// sees the previous one's committed result. Simple and correct for one server process; a later
// change may add a pool of read-only connections (WAL lets readers run beside the writer).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite_connection.h"
#include "store/store.h"
#include "store/thread_annotations.h"

namespace runhook::store::sqlite {

class SqliteStore final : public Store {
 public:
  // REQUIRES: `connection` is migrated to the current schema.
  explicit SqliteStore(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  Status CreateRun(const RunRecord& run, const std::vector<HookSpec>& hooks,
                   const EventWrite* event) override;
  Result<RunRecord> GetRun(const RunKey& key) override;
  Result<std::vector<RunRecord>> ListRuns(const std::string& entity, const std::string& project,
                                          const std::string& state, int limit) override;
  Result<std::vector<ProjectInfo>> ListProjects(int limit) override;
  Result<std::vector<HookSpec>> GetHooks(const RunKey& key) override;
  Status UpdateRun(const RunRecord& run, const EventWrite* event) override;
  Status AppendHistory(const RunRecord& run, const std::string& batch_id,
                       const std::vector<HistoryRow>& rows,
                       const std::vector<EventWrite>& events = {}) override;
  Result<std::vector<HistoryRow>> GetLastHistory(const RunKey& key, int64_t limit) override;
  Status ResumeRun(const RunRecord& run, const std::vector<HookSpec>& hooks) override;
  Result<std::vector<RunKey>> ListStaleRunningRuns(int64_t heartbeat_before_ms, int limit) override;
  Result<std::vector<RunKey>> ListPeriodicDueRuns(int64_t now_ms, int limit) override;
  Result<std::optional<int64_t>> NextPeriodicDueTime() override;
  Result<std::vector<HistoryRow>> GetHistory(const RunKey& key, int64_t min_step, int64_t max_step,
                                             int64_t limit) override;
  Result<std::vector<std::string>> ListMetricKeys(const RunKey& key) override;
  Status VisitMetricPoints(const RunKey& key, const std::string& metric_key, int64_t min_step,
                           int64_t max_step, MetricPointVisitor& visitor) override;
  Result<std::vector<Event>> ListEvents(const RunKey& key) override;

  Result<std::vector<Delivery>> ListDeliveries(const DeliveryFilter& filter) override;
  Result<Delivery> GetDelivery(int64_t delivery_id) override;
  Result<std::vector<Attempt>> ListAttempts(int64_t delivery_id) override;
  Result<std::vector<Delivery>> ClaimDueDeliveries(int64_t now_ms, int limit, int64_t lease_ms,
                                                   const std::string& owner) override;
  std::vector<Status> RecordAttempts(const std::vector<AttemptOutcome>& outcomes) override;
  Result<std::optional<int64_t>> NextDueTime() override;
  Status DeferDelivery(int64_t delivery_id, const std::string& owner,
                       int64_t next_attempt_at_ms) override;
  Result<std::vector<std::string>> ListLeaseOwners(int64_t now_ms) override;
  Result<int> ReleaseLeases(const std::string& owner) override;

  Status DisableHook(const RunKey& run, const std::string& hook_name,
                     const std::string& reason) override;
  std::vector<Result<std::vector<std::string>>> GetSigningSecretsOfDeliveries(
      const std::vector<int64_t>& delivery_ids) override;
  Status PutSecret(const std::string& name, const std::string& value) override;
  Result<std::vector<std::string>> ListSecretNames() override;
  Status DeleteSecret(const std::string& name) override;
  Result<std::vector<SecretInfo>> ListSecrets() override;
  Result<std::map<std::string, std::string>> GetSecretValues() override;

  Result<Delivery> Redeliver(int64_t delivery_id, int64_t now_ms) override;
  Result<std::vector<int64_t>> AddEvent(const RunKey& run, const EventWrite& event) override;

 private:
  // The run's row id. Errors: kNotFound naming the run.
  Result<int64_t> FindRunPk(const RunKey& key) REQUIRES(mutex_);
  // Writes the mutable fields of `run` to row `run_pk` if its version is still `run.version`,
  // bumping the version. Errors: kConflict when the version changed.
  Status WriteRun(int64_t run_pk, const RunRecord& run) REQUIRES(mutex_);
  // Inserts the event and its deliveries, appending their ids to `delivery_ids` when given.
  // REQUIRES: inside a transaction.
  Status InsertEvent(int64_t run_pk, const EventWrite& event,
                     std::vector<int64_t>* delivery_ids = nullptr) REQUIRES(mutex_);
  // Reads (entity, project, run_id) rows of `statement` into keys.
  // Runs a statement built on sql::kSelectDeliveries and reads every row.
  Result<std::vector<Delivery>> ReadDeliveries(Statement& statement) REQUIRES(mutex_);
  Result<Delivery> FindDelivery(int64_t delivery_id) REQUIRES(mutex_);
  // Writes one attempt and the delivery's new state (one outcome of RecordAttempts).
  // REQUIRES: inside a transaction. On an error nothing of this outcome is written, unless
  // *transaction_broken is set: then part of it is, and the caller must roll back.
  Status WriteAttempt(const AttemptOutcome& outcome, bool* transaction_broken) REQUIRES(mutex_);
  // The stored state of a delivery. Errors: kNotFound.
  Result<DeliveryState> FindDeliveryState(int64_t delivery_id) REQUIRES(mutex_);
  // Disables hook `hook_name` of row `run_pk`; `run` names it in errors. Errors: kNotFound.
  Status WriteHookDisabled(int64_t run_pk, const std::string& run, const std::string& hook_name,
                           const std::string& reason) REQUIRES(mutex_);
  // The whsec_ values a hook's `secret` field stands for (see
  // Store::GetSigningSecretsOfDeliveries); `describe_hook` names the hook in an error. Errors:
  // kNotFound for a secret name that is not stored.
  Result<std::vector<std::string>> ResolveSigningSecrets(
      const std::string& hook_secret, const std::function<std::string()>& describe_hook)
      REQUIRES(mutex_);
  // The value of a stored secret, or nullopt when there is none of that name.
  Result<std::optional<std::string>> FindSecretValue(const std::string& name) REQUIRES(mutex_);

  Mutex mutex_;
  std::unique_ptr<Connection> connection_ GUARDED_BY(mutex_);
};

// "entity/project/id", for messages.
std::string DescribeRun(const RunKey& key);
// `ids` as a JSON array ("[1,2,3]"), for statements that take a list through json_each.
std::string JsonIdList(const std::vector<int64_t>& ids);

}  // namespace runhook::store::sqlite
