// The SQL the SQLite store runs, named and kept apart from the code that binds and reads it.
// Parameters are named; the SELECT column lists are read in order by sqlite_rows.cpp.
#pragma once

#include <string>
#include <string_view>

namespace runhook::store::sqlite::sql {

// ---- runs ----
inline constexpr std::string_view kFindRunPk =
    "SELECT pk FROM runs WHERE entity = :entity AND project = :project AND run_id = :run_id";

inline constexpr std::string_view kInsertRun = R"sql(
INSERT INTO runs (entity, project, run_id, name, job_type, group_name, tags, notes, host, config,
                  summary, state, created_at, heartbeat_at, started_at, finished_at, exit_code,
                  error, failure_reason, last_step, version, resumed_count, state_history,
                  hook_state, next_periodic_at, summary_state)
VALUES (:entity, :project, :run_id, :name, :job_type, :group_name, :tags, :notes, :host, :config,
        :summary, :state, :created_at, :heartbeat_at, :started_at, :finished_at, :exit_code,
        :error, :failure_reason, :last_step, :version, :resumed_count, :state_history,
        :hook_state, :next_periodic_at, :summary_state))sql";

// Everything but the key and created_at; matches only when the stored version is the expected.
inline constexpr std::string_view kUpdateRun = R"sql(
UPDATE runs SET name = :name, job_type = :job_type, group_name = :group_name, tags = :tags,
                notes = :notes, host = :host, config = :config, summary = :summary,
                state = :state, heartbeat_at = :heartbeat_at, started_at = :started_at,
                finished_at = :finished_at, exit_code = :exit_code, error = :error,
                failure_reason = :failure_reason, last_step = :last_step,
                resumed_count = :resumed_count, state_history = :state_history,
                hook_state = :hook_state, next_periodic_at = :next_periodic_at,
                summary_state = :summary_state, version = version + 1
WHERE pk = :pk AND version = :version)sql";

// The columns ReadRun reads, in order, shared by every SELECT of whole runs (a macro so that the
// statements stay compile-time string literals).
#define RUNHOOK_SQL_RUN_COLUMNS                                                               \
  " entity, project, run_id, name, job_type, group_name, tags, notes, host, config, summary," \
  " state, created_at, heartbeat_at, started_at, finished_at, exit_code, error,"              \
  " failure_reason, last_step, version, resumed_count, state_history, hook_state,"            \
  " next_periodic_at, summary_state "

inline constexpr std::string_view kSelectRun =
    "SELECT" RUNHOOK_SQL_RUN_COLUMNS
    "FROM runs WHERE entity = :entity AND project = :project AND run_id = :run_id";

// A project's runs, newest first (runs_by_project); :state '' means every state.
inline constexpr std::string_view kSelectProjectRuns =
    "SELECT" RUNHOOK_SQL_RUN_COLUMNS
    "FROM runs WHERE entity = :entity AND project = :project AND (:state = '' OR state = :state) "
    "ORDER BY created_at DESC, pk DESC LIMIT :limit";

// Every project with its run count and latest activity, most recently active first (one pass
// over runs_by_project plus each run's row for the times).
inline constexpr std::string_view kSelectProjects = R"sql(
SELECT entity, project, COUNT(*),
       MAX(MAX(created_at, heartbeat_at, COALESCE(finished_at, 0))) AS last_activity
FROM runs GROUP BY entity, project ORDER BY last_activity DESC, entity, project LIMIT :limit)sql";

// Running runs whose last heartbeat is before :before, oldest first (runs_running_by_heartbeat).
inline constexpr std::string_view kSelectStaleRuns = R"sql(
SELECT entity, project, run_id FROM runs
WHERE state = 'running' AND heartbeat_at < :before
ORDER BY heartbeat_at LIMIT :limit)sql";

// Running runs with a periodic hook due at :now, earliest first (runs_running_by_periodic).
inline constexpr std::string_view kSelectPeriodicDueRuns = R"sql(
SELECT entity, project, run_id FROM runs
WHERE state = 'running' AND next_periodic_at IS NOT NULL AND next_periodic_at <= :now
ORDER BY next_periodic_at LIMIT :limit)sql";

inline constexpr std::string_view kNextPeriodicDueTime = R"sql(
SELECT MIN(next_periodic_at) FROM runs
WHERE state = 'running' AND next_periodic_at IS NOT NULL)sql";

// ---- hooks ----
inline constexpr std::string_view kInsertHook = R"sql(
INSERT INTO hooks (run_pk, position, name, run_states, url, method, body, headers,
                   timeout_seconds, max_attempts, secret, when_condition, every, strict, disabled)
VALUES (:run_pk, :position, :name, :run_states, :url, :method, :body, :headers,
        :timeout_seconds, :max_attempts, :secret, :when_condition, :every, :strict, :disabled))sql";

// Columns read by ReadHook, in order.
inline constexpr std::string_view kSelectHooks = R"sql(
SELECT name, run_states, url, method, body, headers, timeout_seconds, max_attempts, secret,
       when_condition, every, strict, disabled
FROM hooks WHERE run_pk = :run_pk ORDER BY position)sql";

// Marks one hook disabled; matches nothing when the run has no hook of that name.
inline constexpr std::string_view kDisableHook = R"sql(
UPDATE hooks SET disabled = 1, disabled_reason = :reason
WHERE run_pk = :run_pk AND name = :name)sql";

// Adds a hook to a run, or replaces the one of the same name (resume).
inline constexpr std::string_view kUpsertHook = R"sql(
INSERT INTO hooks (run_pk, position, name, run_states, url, method, body, headers,
                   timeout_seconds, max_attempts, secret, when_condition, every, strict, disabled)
VALUES (:run_pk, :position, :name, :run_states, :url, :method, :body, :headers,
        :timeout_seconds, :max_attempts, :secret, :when_condition, :every, :strict, :disabled)
ON CONFLICT (run_pk, name) DO UPDATE SET
  run_states = excluded.run_states, url = excluded.url, method = excluded.method,
  body = excluded.body, headers = excluded.headers, timeout_seconds = excluded.timeout_seconds,
  max_attempts = excluded.max_attempts, secret = excluded.secret,
  when_condition = excluded.when_condition, every = excluded.every, strict = excluded.strict,
  disabled = 0, disabled_reason = '')sql";

inline constexpr std::string_view kCountHooks = "SELECT COUNT(*) FROM hooks WHERE run_pk = :run_pk";

// The hook secret of each delivery in the JSON array :ids, in the array's order; the run key
// and hook name for messages. `has_hook` is 0 when the delivery's hook no longer exists.
inline constexpr std::string_view kSelectDeliveryHookSecrets = R"sql(
SELECT d.id, r.entity, r.project, r.run_id, d.hook_name, h.secret, h.name IS NOT NULL
FROM json_each(:ids) j JOIN deliveries d ON d.id = j.value JOIN runs r ON r.pk = d.run_pk
LEFT JOIN hooks h ON h.run_pk = d.run_pk AND h.name = d.hook_name ORDER BY j.key)sql";

// ---- secrets ----
inline constexpr std::string_view kUpsertSecret = R"sql(
INSERT INTO secrets (name, value, created_at, updated_at) VALUES (:name, :value, :now, :now)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at)sql";
inline constexpr std::string_view kSelectSecretValue =
    "SELECT value FROM secrets WHERE name = :name";
inline constexpr std::string_view kSelectSecretNames = "SELECT name FROM secrets ORDER BY name";
inline constexpr std::string_view kDeleteSecret = "DELETE FROM secrets WHERE name = :name";
inline constexpr std::string_view kSelectSecretInfos =
    "SELECT name, created_at, updated_at FROM secrets ORDER BY name";
inline constexpr std::string_view kSelectSecretValues = "SELECT name, value FROM secrets";

// ---- history ----
inline constexpr std::string_view kFindHistoryBatch =
    "SELECT 1 FROM history_batches WHERE run_pk = :run_pk AND batch_id = :batch_id";
inline constexpr std::string_view kInsertHistoryBatch =
    "INSERT INTO history_batches (run_pk, batch_id, created_at) "
    "VALUES (:run_pk, :batch_id, :created_at)";
// History blocks (history_blocks.h).
inline constexpr std::string_view kNextHistoryBlockSequence =
    "SELECT COALESCE(MAX(sequence) + 1, 0) FROM history_blocks WHERE run_pk = :run_pk";
inline constexpr std::string_view kInsertHistoryBlock = R"sql(
INSERT INTO history_blocks (run_pk, sequence, first_step, last_step, row_count, block_rows)
VALUES (:run_pk, :sequence, :first_step, :last_step, :row_count, :block_rows))sql";
// The blocks that may hold steps in [:min_step, :max_step] (their bounds, not their text).
inline constexpr std::string_view kSelectHistoryBlockBounds = R"sql(
SELECT sequence, first_step, last_step FROM history_blocks
WHERE run_pk = :run_pk AND last_step >= :min_step AND first_step <= :max_step)sql";
inline constexpr std::string_view kSelectHistoryBlock =
    "SELECT block_rows FROM history_blocks WHERE run_pk = :run_pk AND sequence = :sequence";

// ---- metric chunks (metric_chunks.h) ----
// A key's last chunk, the one appends extend.
inline constexpr std::string_view kSelectLastMetricChunk = R"sql(
SELECT sequence, point_count, packed_steps, packed_values FROM metric_chunks
WHERE run_pk = :run_pk AND metric_key = :metric_key ORDER BY sequence DESC LIMIT 1)sql";
inline constexpr std::string_view kPutMetricChunk = R"sql(
INSERT OR REPLACE INTO metric_chunks (run_pk, metric_key, sequence, first_step, last_step,
  point_count, min_value, max_value, packed_steps, packed_values)
VALUES (:run_pk, :metric_key, :sequence, :first_step, :last_step, :point_count, :min_value,
  :max_value, :packed_steps, :packed_values))sql";
// The chunks that may hold steps in [:min_step, :max_step], in append order.
inline constexpr std::string_view kSelectMetricChunks = R"sql(
SELECT point_count, packed_steps, packed_values FROM metric_chunks
WHERE run_pk = :run_pk AND metric_key = :metric_key AND last_step >= :min_step
  AND first_step <= :max_step
ORDER BY sequence)sql";
// How many points those chunks hold and the steps they span (MetricRangeSummary).
inline constexpr std::string_view kSummarizeMetricChunks = R"sql(
SELECT COALESCE(SUM(point_count), 0), MIN(first_step), MAX(last_step) FROM metric_chunks
WHERE run_pk = :run_pk AND metric_key = :metric_key AND last_step >= :min_step
  AND first_step <= :max_step)sql";
inline constexpr std::string_view kSelectMetricKeys =
    "SELECT DISTINCT metric_key FROM metric_chunks WHERE run_pk = :run_pk ORDER BY metric_key";
// Every history row, for filling metric_chunks from an existing database (migration 7).
inline constexpr std::string_view kSelectAllHistory =
    "SELECT run_pk, step, row_values FROM history ORDER BY run_pk, step, id";

// ---- events ----
inline constexpr std::string_view kInsertEvent =
    "INSERT INTO events (run_pk, type, occurred_at, payload) "
    "VALUES (:run_pk, :type, :occurred_at, :payload)";
inline constexpr std::string_view kSelectEvents =
    "SELECT id, type, occurred_at, payload FROM events WHERE run_pk = :run_pk "
    "ORDER BY occurred_at, id";

// ---- deliveries ----
inline constexpr std::string_view kInsertDelivery = R"sql(
INSERT INTO deliveries (event_id, run_pk, hook_name, webhook_id, method, url, headers, body,
                        state, max_attempts, timeout_seconds, next_attempt_at, last_error,
                        undefined_names, render_error, is_test, masked_request, created_at)
VALUES (:event_id, :run_pk, :hook_name, :webhook_id, :method, :url, :headers, :body,
        :state, :max_attempts, :timeout_seconds, :next_attempt_at, :last_error,
        :undefined_names, :render_error, :is_test, :masked_request, :created_at))sql";

// Columns read by ReadDelivery, in order, and the tables they come from (`d` is deliveries).
inline constexpr std::string_view kDeliveryColumns = R"sql(
SELECT d.id, r.entity, r.project, r.run_id, d.event_id, e.type, d.hook_name, d.webhook_id,
       d.method, d.url, d.headers, d.body, d.timeout_seconds, d.max_attempts,
       d.undefined_names, d.render_error, d.is_test, d.masked_request, d.state, d.attempt_count,
       d.created_at, d.next_attempt_at, d.last_error)sql";
inline constexpr std::string_view kDeliveryJoins =
    " JOIN runs r ON r.pk = d.run_pk JOIN events e ON e.id = d.event_id";
// Every delivery's columns. Followed by a WHERE / ORDER BY built per query.
inline const std::string kSelectDeliveries =
    std::string(kDeliveryColumns) + " FROM deliveries d" + std::string(kDeliveryJoins);

// Due and unleased (or lease expired), oldest due first, read in the pass that finds them: the
// lease is checked from the index, so a delivery held elsewhere costs no table read. INDEXED BY:
// without statistics SQLite prefers deliveries_by_state (state = ?) and sorts every pending row
// at each claim.
inline const std::string kSelectDueDeliveries = std::string(kDeliveryColumns) +
                                                " FROM deliveries d INDEXED BY deliveries_due" +
                                                std::string(kDeliveryJoins) + R"sql(
WHERE d.state = 'pending' AND d.next_attempt_at <= :now
  AND (d.lease_until IS NULL OR d.lease_until <= :now)
ORDER BY d.next_attempt_at, d.id LIMIT :limit)sql";

// Leases the deliveries whose ids are in the JSON array :ids.
inline constexpr std::string_view kLeaseDeliveries = R"sql(
UPDATE deliveries SET lease_owner = :owner, lease_until = :lease_until
WHERE id IN (SELECT value FROM json_each(:ids)))sql";

inline constexpr std::string_view kSelectDeliveryState =
    "SELECT state FROM deliveries WHERE id = :id";

// The run and hook a delivery belongs to (for disabling the hook after a 410).
inline constexpr std::string_view kSelectDeliveryHook =
    "SELECT run_pk, hook_name FROM deliveries WHERE id = :id";

// Hands a claimed delivery back unattempted: due at :next_attempt_at, lease released. Matches
// only a pending delivery still leased to :owner.
inline constexpr std::string_view kDeferDelivery = R"sql(
UPDATE deliveries SET next_attempt_at = :next_attempt_at, lease_owner = NULL, lease_until = NULL
WHERE id = :id AND state = 'pending' AND lease_owner = :owner)sql";

inline constexpr std::string_view kSelectLeaseOwners = R"sql(
SELECT DISTINCT lease_owner FROM deliveries
WHERE state = 'pending' AND lease_owner IS NOT NULL AND lease_until > :now
ORDER BY lease_owner)sql";

inline constexpr std::string_view kReleaseLeases = R"sql(
UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
WHERE state = 'pending' AND lease_owner = :owner)sql";

// :next_attempt_at is only applied when the delivery stays pending.
inline constexpr std::string_view kRecordDeliveryOutcome = R"sql(
UPDATE deliveries SET state = :state, attempt_count = attempt_count + 1,
    next_attempt_at = CASE WHEN :state = 'pending' THEN :next_attempt_at ELSE next_attempt_at END,
    last_error = :last_error, lease_owner = NULL, lease_until = NULL
WHERE id = :id)sql";

// When each pending delivery can next be claimed: its due time, or its lease expiry when that
// is later. Scans only pending rows (deliveries_due).
inline constexpr std::string_view kNextDueTime = R"sql(
SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, next_attempt_at)))
FROM deliveries INDEXED BY deliveries_due WHERE state = 'pending')sql";

// Makes a delivery due at :now for one more attempt. A pending delivery keeps its lease (an
// attempt may be in flight); any other state becomes pending with no lease.
inline constexpr std::string_view kRedeliver = R"sql(
UPDATE deliveries SET
    lease_owner = CASE WHEN state = 'pending' THEN lease_owner ELSE NULL END,
    lease_until = CASE WHEN state = 'pending' THEN lease_until ELSE NULL END,
    state = 'pending', next_attempt_at = :now
WHERE id = :id)sql";

// ---- attempts ----
// Adds the attempt only while its delivery is pending: no row inserted means the delivery is
// gone or no longer pending (the caller then reads which), so no separate state query is needed.
inline constexpr std::string_view kInsertAttempt = R"sql(
INSERT INTO attempts (delivery_id, number, started_at, status_code, latency_ms,
                      response_excerpt, error)
SELECT :delivery_id, :number, :started_at, :status_code, :latency_ms, :response_excerpt, :error
WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = :delivery_id AND state = 'pending'))sql";

// Columns read by ReadAttempt, in order.
inline constexpr std::string_view kSelectAttempts = R"sql(
SELECT id, delivery_id, number, started_at, status_code, latency_ms, response_excerpt, error
FROM attempts WHERE delivery_id = :delivery_id ORDER BY number)sql";

}  // namespace runhook::store::sqlite::sql
