#include "store/schema.h"

#include <iterator>
#include <string>

#include "store/metric_chunks.h"

namespace runhook::store::sqlite {
namespace {

// Timestamps are unix milliseconds (INTEGER). JSON columns hold compact JSON text. Child
// tables reference runs by the integer `pk`, not by (entity, project, run_id).
//
// Left for later migrations: project-level hooks (a nullable run_pk or a project_hooks
// table).
constexpr const char* kMigration1 = R"sql(
CREATE TABLE runs (
  pk INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  project TEXT NOT NULL,
  run_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  job_type TEXT NOT NULL DEFAULT '',
  group_name TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  notes TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  config TEXT NOT NULL DEFAULT '{}',
  summary TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  exit_code INTEGER,
  error TEXT NOT NULL DEFAULT 'null',
  failure_reason TEXT NOT NULL DEFAULT '',
  last_step INTEGER NOT NULL DEFAULT -1,
  version INTEGER NOT NULL DEFAULT 0,
  UNIQUE (entity, project, run_id)
);
-- Listing a project's runs, newest first.
CREATE INDEX runs_by_project ON runs (entity, project, created_at);
-- The crash detector: running runs whose heartbeat is older than the timeout.
CREATE INDEX runs_running_by_heartbeat ON runs (heartbeat_at) WHERE state = 'running';

CREATE TABLE hooks (
  id INTEGER PRIMARY KEY,
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  run_states TEXT NOT NULL DEFAULT '[]',
  url TEXT NOT NULL,
  method TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  headers TEXT NOT NULL DEFAULT '[]',
  timeout_seconds REAL NOT NULL,
  max_attempts INTEGER,
  secret TEXT NOT NULL DEFAULT '',
  when_condition TEXT NOT NULL DEFAULT '',
  every TEXT NOT NULL DEFAULT '',
  strict INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_pk, name)
);

CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  row_values TEXT NOT NULL
);
CREATE INDEX history_by_run_step ON history (run_pk, step, id);

CREATE TABLE history_batches (
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  batch_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_pk, batch_id)
) WITHOUT ROWID;

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  type TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_run ON events (run_pk, occurred_at, id);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  hook_name TEXT NOT NULL,
  webhook_id TEXT NOT NULL UNIQUE,
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  headers TEXT NOT NULL DEFAULT '[]',
  body BLOB NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  timeout_seconds REAL NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  undefined_names TEXT NOT NULL DEFAULT '[]',
  render_error TEXT NOT NULL DEFAULT '',
  is_test INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
-- The dispatcher's due-claim query and NextDueTime read only pending rows.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state = 'pending';
-- Listing, newest first, by run, hook or state.
CREATE INDEX deliveries_by_run ON deliveries (run_pk, id);
CREATE INDEX deliveries_by_hook ON deliveries (hook_name, id);
CREATE INDEX deliveries_by_state ON deliveries (state, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0,
  latency_ms REAL NOT NULL DEFAULT 0,
  response_excerpt BLOB NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  UNIQUE (delivery_id, number)
);
)sql";

// Retries and signing: why a hook was disabled (e.g. its receiver answered 410 Gone), and named
// signing secrets a hook can refer to by name instead of holding a whsec_ value itself. A
// secret's value may hold several whsec_ keys separated by spaces (a rotation).
constexpr const char* kMigration2 = R"sql(
ALTER TABLE hooks ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Operator API: when a secret's value was last set (created_at keeps its first storing), and
// the request of a delivery as people may see it when secret values were rendered into it
// (JSON {"url", "headers", "body"} with each value replaced by "***"; NULL when none was).
constexpr const char* kMigration3 = R"sql(
ALTER TABLE secrets ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE secrets SET updated_at = created_at;
ALTER TABLE deliveries ADD COLUMN masked_request TEXT;
)sql";

// The run lifecycle (issue 5): resumes, crashes and recoveries (`state_history`, JSON list), the
// server's per-run bookkeeping for `when`, `every` and alert hooks (`hook_state`, JSON object),
// and the earliest due periodic (`every`) hook of a running run, indexed for the sender.
constexpr const char* kMigration4 = R"sql(
ALTER TABLE runs ADD COLUMN resumed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN state_history TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN hook_state TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN next_periodic_at INTEGER;
CREATE INDEX runs_running_by_periodic ON runs (next_periodic_at)
  WHERE state = 'running' AND next_periodic_at IS NOT NULL;
)sql";

// Summary rules (issue 6): keys set explicitly and define_metric definitions with their running
// aggregates (`summary_state`, JSON object, see core/run.h).
constexpr const char* kMigration5 = R"sql(
ALTER TABLE runs ADD COLUMN summary_state TEXT NOT NULL DEFAULT '{}';
)sql";

// Delivery throughput: the due index carries lease_until, so the claim query skips the
// deliveries a dispatcher already holds by reading the index alone (no table row per held
// delivery); the order (next_attempt_at, id) is the claim order, so no sort is needed.
constexpr const char* kMigration6 = R"sql(
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id, lease_until)
  WHERE state = 'pending';
)sql";

// Per-metric series for charts (issue 7): each numeric history value again as a point of its
// key, packed into chunks (see metric_chunks.h). Existing history is copied in by
// BackfillMetricChunks in the same transaction. `sequence` numbers a key's chunks in append
// order; reads pick chunks by their step bounds.
constexpr const char* kMigration7 = R"sql(
CREATE TABLE metric_chunks (
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  metric_key TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  point_count INTEGER NOT NULL,
  min_value REAL NOT NULL,
  max_value REAL NOT NULL,
  packed_steps BLOB NOT NULL,
  packed_values BLOB NOT NULL,
  PRIMARY KEY (run_pk, metric_key, sequence)
) WITHOUT ROWID;
)sql";

// History in blocks (issue 8, history_blocks.h): a batch's rows are one table row of JSON text
// instead of a table row and an index entry per step, which made appends cost about 11,000
// instructions per step. Each existing row becomes a block of one row; its id, increasing in
// append order, becomes the block's sequence.
constexpr const char* kMigration8 = R"sql(
CREATE TABLE history_blocks (
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  sequence INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  row_count INTEGER NOT NULL,
  block_rows TEXT NOT NULL,
  PRIMARY KEY (run_pk, sequence)
) WITHOUT ROWID;
INSERT INTO history_blocks (run_pk, sequence, first_step, last_step, row_count, block_rows)
  SELECT run_pk, id, step, step, 1, '[[' || step || ',' || row_values || ']]' FROM history;
DROP TABLE history;
)sql";

// History blocks in a rowid table (issue 8): a WITHOUT ROWID table keeps each whole row in its
// primary-key B-tree, and SQLite advises against it for rows larger than a small fraction of a
// page. A block is about 100 KB, so every insert moved and copied large cells through the
// B-tree (a fifth of the server's time in the ingestion benchmark went to memcpy under
// sqlite3BtreeIndexMoveto). Here the text sits in the table's overflow pages and the key
// (run_pk, sequence) in a small unique index.
constexpr const char* kMigration9 = R"sql(
CREATE TABLE history_blocks_by_rowid (
  id INTEGER PRIMARY KEY,
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  sequence INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  row_count INTEGER NOT NULL,
  block_rows TEXT NOT NULL,
  UNIQUE (run_pk, sequence)
);
INSERT INTO history_blocks_by_rowid (run_pk, sequence, first_step, last_step, row_count,
                                     block_rows)
  SELECT run_pk, sequence, first_step, last_step, row_count, block_rows FROM history_blocks
  ORDER BY run_pk, sequence;
DROP TABLE history_blocks;
ALTER TABLE history_blocks_by_rowid RENAME TO history_blocks;
)sql";

// Delivery throughput: deliveries_by_event goes. No query reads deliveries by event; it only
// served the foreign key's ON DELETE CASCADE from events, and no event is ever deleted (runs,
// events and deliveries are kept). Each delivery insert updated it: one index fewer makes the
// enqueueing cheaper. Should events ever be deleted, the cascade still works (by a scan).
constexpr const char* kMigration10 = R"sql(
DROP INDEX IF EXISTS deliveries_by_event;
)sql";

// A migration: SQL, then (when set) C++ work in the same transaction, for what SQL cannot do.
struct Migration {
  const char* sql;
  Status (*then)(Connection& connection) = nullptr;
};

// Append new migrations here; migration N brings the schema from version N-1 to N.
constexpr Migration kMigrations[] = {{kMigration1},
                                     {kMigration2},
                                     {kMigration3},
                                     {kMigration4},
                                     {kMigration5},
                                     {kMigration6},
                                     {kMigration7, BackfillMetricChunks},
                                     {kMigration8},
                                     {kMigration9},
                                     {kMigration10}};

}  // namespace

int64_t CurrentSchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

Status MigrateSchema(Connection& connection) {
  const int64_t target = CurrentSchemaVersion();
  Result<int64_t> version = connection.QueryInt64("PRAGMA user_version");
  if (!version) return version.error();
  while (*version < target) {
    Result<Transaction> transaction = Transaction::Begin(connection);
    if (!transaction) return transaction.error();
    version = connection.QueryInt64("PRAGMA user_version");  // another process may have won
    if (!version) return version.error();
    if (*version >= target) break;
    const int64_t next = *version + 1;
    const Migration& migration = kMigrations[next - 1];
    Status status = connection.ExecuteScript(migration.sql);
    if (status && migration.then != nullptr) status = migration.then(connection);
    if (!status) {
      ErrorInfo error = status.error();
      error.message = "schema migration " + std::to_string(next) + ": " + error.message;
      return error;
    }
    // PRAGMA takes no bound parameters; `next` is an integer we computed.
    if (Status status = connection.ExecuteScript("PRAGMA user_version = " + std::to_string(next));
        !status)
      return status;
    if (Status status = transaction->Commit(); !status) return status;
    version = next;
  }
  if (*version > target)
    return MakeError(ErrorCode::kInternal, "database '" + connection.path() +
                                               "' has schema version " + std::to_string(*version) +
                                               " but this runhook knows only up to " +
                                               std::to_string(target) + "; upgrade runhook");
  return OkStatus();
}

}  // namespace runhook::store::sqlite
