// Store: the one interface to runhook's durable state (runs, hooks, history, events,
// deliveries, attempts). Implementations: SQLite (sqlite_store.h); PostgreSQL later.
//
// The store knows no HTTP, no templates and no dispatcher. State changes and the deliveries
// they cause are written in one transaction (the transactional outbox): a crash never leaves a
// state change without its deliveries, or deliveries without their state change.
//
// Thread safety: every method may be called from any thread concurrently; implementations
// serialize internally as they need to.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/delivery.h"
#include "core/hook.h"
#include "core/result.h"
#include "core/run.h"

namespace runhook::store {

using core::Attempt;
using core::Delivery;
using core::DeliveryDraft;
using core::DeliveryState;
using core::Event;
using core::HistoryRow;
using core::HookSpec;
using core::RunKey;
using core::RunRecord;

// An event to record together with a run change, and the deliveries it causes.
struct EventWrite {
  std::string type;  // EventType name: "created", "running", "finished", ...
  int64_t timestamp_ms = 0;
  Json payload = Json::object();
  std::vector<DeliveryDraft> deliveries;  // a draft with render_error set is stored as failed
};

// Unset fields match everything; a run that does not exist matches nothing. The `{}`
// initializers let callers write {.state = ...} without GCC's -Wmissing-field-initializers.
struct DeliveryFilter {
  std::optional<RunKey> run{};
  std::optional<std::string> hook_name{};
  std::optional<DeliveryState> state{};
  int limit = 100;
};

// A stored secret as people may see it: never its value.
struct SecretInfo {
  std::string name;
  int64_t created_at_ms = 0;  // when it was first stored
  int64_t updated_at_ms = 0;  // when its value was last set
};

// A project as the web UI's project list shows it: how many runs, and the latest time any run
// of it was created, beat or finished (unix ms).
struct ProjectInfo {
  std::string entity;
  std::string project;
  int64_t run_count = 0;
  int64_t last_activity_ms = 0;
};

// One metric's points: steps[i] is the step of values[i]. Values are finite.
struct MetricPoints {
  std::vector<int64_t> steps;
  std::vector<double> values;
};

// What the stored chunks say about a metric's points in a step range, before any is read.
struct MetricRangeSummary {
  // At least the number of points in the range, at most a chunk's worth more per end of the
  // range (the first and last chunks may hold steps outside it). 0: no point follows.
  int64_t point_count_bound = 0;
  // Every point in the range has first_step <= step <= last_step (both inside the range).
  // Meaningless when point_count_bound is 0.
  int64_t first_step = 0;
  int64_t last_step = 0;
};

// Receives a metric's points from Store::VisitMetricPoints, chunk by chunk. Called on the
// caller's thread with the store's lock held: a visitor must not call the store.
class MetricPointVisitor {
 public:
  virtual ~MetricPointVisitor() = default;
  // Called once, first.
  virtual void OnRange(const MetricRangeSummary& summary) = 0;
  // Called for each stored chunk that has points in the range, with those points in step order
  // (equal steps in the order logged); steps.size() == values.size() > 0. Chunks come in append
  // order, so across calls steps may go back (steps logged out of order). The spans are valid
  // only during the call.
  virtual void OnPoints(std::span<const int64_t> steps, std::span<const double> values) = 0;
};

// What the dispatcher learns when it records an attempt.
struct AttemptOutcome {
  Attempt attempt;                 // delivery_id and number must be set
  DeliveryState new_state;         // kPending means "try again at next_attempt_at_ms"
  int64_t next_attempt_at_ms = 0;  // only for kPending
  std::string error;               // the delivery's last_error after this attempt
  // Non-empty: also disable the delivery's hook with this reason, in the same transaction (the
  // receiver answered 410 Gone). See DisableHook.
  std::string disable_hook_reason{};
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts a new run with its hooks and, when `event` is given, the event and its deliveries.
  // Errors: kConflict when (entity, project, id) already exists.
  virtual Status CreateRun(const RunRecord& run, const std::vector<HookSpec>& hooks,
                           const EventWrite* event) = 0;

  virtual Result<RunRecord> GetRun(const RunKey& key) = 0;
  virtual Result<std::vector<HookSpec>> GetHooks(const RunKey& key) = 0;

  // The runs of one project, newest first, at most `limit`; only those in `state` when it is
  // not empty. An unknown project has no runs (not an error).
  virtual Result<std::vector<RunRecord>> ListRuns(const std::string& entity,
                                                  const std::string& project,
                                                  const std::string& state, int limit) = 0;

  // Every project that has runs, most recently active first, at most `limit`.
  virtual Result<std::vector<ProjectInfo>> ListProjects(int limit) = 0;

  // Writes `run` (all mutable fields) if the stored version still equals `run.version`, bumps
  // the version, and records `event` (when given) with its deliveries, all in one transaction.
  // Errors: kNotFound; kConflict when the version changed (re-read and try again).
  virtual Status UpdateRun(const RunRecord& run, const EventWrite* event) = 0;

  // Appends history rows and writes `run` (its new summary, last_step, heartbeat) under the same
  // version check as UpdateRun, in one transaction. `batch_id` (may be empty) makes the append
  // idempotent: a batch id already stored for this run is acknowledged and not stored again.
  // `events` (the `when` conditions the rows made true) are recorded with their deliveries in the
  // same transaction; nothing of them is stored for a batch already seen.
  virtual Status AppendHistory(const RunRecord& run, const std::string& batch_id,
                               const std::vector<HistoryRow>& rows,
                               const std::vector<EventWrite>& events = {}) = 0;

  // The run's last `limit` history rows, in step order. Errors: kNotFound.
  virtual Result<std::vector<HistoryRow>> GetLastHistory(const RunKey& key, int64_t limit) = 0;

  // ---- the run lifecycle: resume, crash detection, periodic hooks ----

  // Resuming: writes `run` under UpdateRun's version check and adds `hooks` to the run's hooks
  // (one with the name of a stored hook replaces it, enabled again), in one transaction.
  // Errors: kNotFound; kConflict when the version changed.
  virtual Status ResumeRun(const RunRecord& run, const std::vector<HookSpec>& hooks) = 0;

  // Running runs whose heartbeat_at is before `heartbeat_before_ms`, oldest beat first, at most
  // `limit` (an indexed query). Callers change them with UpdateRun; its version check lets
  // several servers race safely.
  virtual Result<std::vector<RunKey>> ListStaleRunningRuns(int64_t heartbeat_before_ms,
                                                           int limit) = 0;

  // Running runs whose next_periodic_at_ms <= `now_ms`, earliest first, at most `limit`.
  virtual Result<std::vector<RunKey>> ListPeriodicDueRuns(int64_t now_ms, int limit) = 0;

  // The earliest next_periodic_at_ms of a running run, or nullopt when none is scheduled.
  virtual Result<std::optional<int64_t>> NextPeriodicDueTime() = 0;

  // History rows with min_step <= step <= max_step, in step order, at most `limit` rows
  // (a negative limit means no limit). Errors: kNotFound.
  virtual Result<std::vector<HistoryRow>> GetHistory(const RunKey& key, int64_t min_step,
                                                     int64_t max_step, int64_t limit) = 0;

  // ---- metric series for charts (sqlite_store_metrics.cpp) ----
  // Every finite numeric value (JSON integer or float) that AppendHistory stores is also kept as
  // a point of its key's series, stored compactly for these reads.

  // The keys of the run that have points, sorted (byte order). Errors: kNotFound.
  virtual Result<std::vector<std::string>> ListMetricKeys(const RunKey& key) = 0;

  // Hands the points of `metric_key` with min_step <= step <= max_step to `visitor` (see
  // MetricPointVisitor), reading one chunk at a time: memory stays at one chunk whatever the
  // number of points. A key without points gets OnRange with a bound of 0 and no OnPoints.
  // Errors (after which the visitor may have seen part of the points): kNotFound naming the run;
  // kInternal for a damaged chunk.
  virtual Status VisitMetricPoints(const RunKey& key, const std::string& metric_key,
                                   int64_t min_step, int64_t max_step,
                                   MetricPointVisitor& visitor) = 0;

  virtual Result<std::vector<Event>> ListEvents(const RunKey& key) = 0;

  // Deliveries, newest first.
  virtual Result<std::vector<Delivery>> ListDeliveries(const DeliveryFilter& filter) = 0;
  virtual Result<Delivery> GetDelivery(int64_t delivery_id) = 0;
  virtual Result<std::vector<Attempt>> ListAttempts(int64_t delivery_id) = 0;

  // Claims up to `limit` pending deliveries whose next attempt is due (next_attempt_at <= now)
  // and whose lease is free or expired, leasing them to `owner` until now + lease_ms. Oldest
  // due first. A claimed delivery is not returned again until its lease expires or its attempt
  // is recorded.
  virtual Result<std::vector<Delivery>> ClaimDueDeliveries(int64_t now_ms, int limit,
                                                           int64_t lease_ms,
                                                           const std::string& owner) = 0;

  // Records each outcome's attempt and its delivery's new state, releasing the lease
  // (attempt_count grows by one), in one transaction: one commit for a batch of completions.
  // Each outcome is recorded or not on its own: one refused with kNotFound, or kConflict when the
  // delivery is no longer pending or this attempt number is already recorded (another
  // dispatcher took over an expired lease), changes nothing and the others are still recorded;
  // a database error fails them all. Returns one status per outcome, in order.
  virtual std::vector<Status> RecordAttempts(const std::vector<AttemptOutcome>& outcomes) = 0;

  // The earliest next_attempt_at among pending deliveries, or nullopt when none is pending.
  // A leased delivery counts from max(next_attempt_at, lease_until): the time it can next be
  // claimed, so a dispatcher does not wake for deliveries it is already sending. The result
  // may be in the past (something is due now).
  virtual Result<std::optional<int64_t>> NextDueTime() = 0;

  // Hands back a delivery claimed by `owner` without attempting it: releases the lease and makes
  // it due at `next_attempt_at_ms`; attempt_count is unchanged. The dispatcher uses it for
  // deliveries it claimed but cannot send yet (their destination is busy).
  // Errors: kNotFound; kConflict when it is no longer pending or no longer leased to `owner`.
  virtual Status DeferDelivery(int64_t delivery_id, const std::string& owner,
                               int64_t next_attempt_at_ms) = 0;

  // The owners of unexpired leases (lease_until > now_ms) on pending deliveries, sorted.
  virtual Result<std::vector<std::string>> ListLeaseOwners(int64_t now_ms) = 0;

  // Releases every lease `owner` holds on pending deliveries: each can be claimed again at its
  // next_attempt_at (attempt_count and webhook id unchanged). Only for an owner known to be gone
  // (a dispatcher whose process was killed), so its deliveries resume without waiting for the
  // leases to expire; releasing a live owner's leases lets a delivery be sent twice at once.
  // Returns how many leases were released.
  virtual Result<int> ReleaseLeases(const std::string& owner) = 0;

  // ---- hooks disabled by their receivers, signing secrets ----

  // Marks the run's hook `hook_name` disabled, keeping `reason` (for people): the server renders
  // no further deliveries for it. Deliveries already stored are unaffected.
  // Errors: kNotFound naming the run or the hook.
  virtual Status DisableHook(const RunKey& run, const std::string& hook_name,
                             const std::string& reason) = 0;

  // The signing secrets (each "whsec_...") the hook of each delivery in `delivery_ids` signs
  // with, in that order, read when the dispatcher claims them (one call per claimed batch) so no
  // secret is ever stored in a delivery. A hook's `secret` is a space-separated list; each item
  // is a whsec_ value or the name of a stored secret (PutSecret), whose value is in turn a
  // space-separated list of whsec_ values. Several secrets mean a rotation: every one signs.
  // Empty when the hook has no secret. The values are not checked here (see
  // delivery/signature.h). An entry is kNotFound for an unknown delivery, a hook that no longer
  // exists or a missing secret name (naming it); every entry carries the error when the store
  // cannot be read.
  virtual std::vector<Result<std::vector<std::string>>> GetSigningSecretsOfDeliveries(
      const std::vector<int64_t>& delivery_ids) = 0;

  // Creates or replaces the named secret. `name` must be non-empty, contain no whitespace and
  // not start with "whsec_" (a hook's secret field tells names and values apart by that
  // prefix). Errors: kInvalidArgument for a bad name or an empty value.
  virtual Status PutSecret(const std::string& name, const std::string& value) = 0;

  // The names of the stored secrets, sorted; never their values.
  virtual Result<std::vector<std::string>> ListSecretNames() = 0;

  // Errors: kNotFound when no secret has that name. Hooks that refer to it fail to sign (and so
  // to send) until it is stored again.
  virtual Status DeleteSecret(const std::string& name) = 0;

  // The stored secrets (name and times), sorted by name; never their values.
  virtual Result<std::vector<SecretInfo>> ListSecrets() = 0;

  // Every stored secret's value by name: for rendering `{{ secrets.NAME }}` and for masking
  // those values in whatever the server shows. Server-side only; never answer these.
  virtual Result<std::map<std::string, std::string>> GetSecretValues() = 0;

  // ---- redelivery and test deliveries (sqlite_store_redeliver.cpp) ----

  // Makes a delivery due again at `now_ms` for one more attempt with the same request and
  // webhook id, whatever its state: a delivered, failed or dead one becomes pending (its
  // attempts are kept and the next one is numbered after them); a pending one is made due now
  // (a lease in flight is kept, so it is not sent twice at once). Returns the delivery as stored
  // afterwards. Errors: kNotFound; kConflict when it never rendered (it has no request to send).
  virtual Result<Delivery> Redeliver(int64_t delivery_id, int64_t now_ms) = 0;

  // Records `event` and its deliveries for the run without changing the run (e.g. a hook test),
  // in one transaction. Returns the ids of the stored deliveries, in the order of
  // `event.deliveries`. Errors: kNotFound naming the run.
  virtual Result<std::vector<int64_t>> AddEvent(const RunKey& run, const EventWrite& event) = 0;
};

}  // namespace runhook::store
