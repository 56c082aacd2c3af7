#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <cstdio>

#include "store/sqlite_error.h"

namespace runhook::store::sqlite {
namespace {

constexpr int kBusyTimeoutMilliseconds = 5000;

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: SQLite's own per-connection mutex is redundant; the owner serialises all use.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    ErrorInfo error = SqliteError(db, code, "cannot open SQLite database '" + path + "'");
    error.message += " (does the directory exist and is it writable?)";
    sqlite3_close(db);  // a handle is returned even on failure
    return error;
  }
  std::unique_ptr<Connection> connection(new Connection(db, path));
  if (Status status = connection->Configure(); !status) {
    ErrorInfo error = status.error();
    error.message = "cannot use SQLite database '" + path + "': " + error.message;
    return error;
  }
  return connection;
}

Status Connection::Configure() {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMilliseconds);
  Result<StatementRef> journal = Prepare("PRAGMA journal_mode=WAL");
  if (!journal) return journal.error();
  Result<bool> row = (*journal)->Step();
  if (!row) return row.error();
  const std::string mode = *row ? (*journal)->ColumnText(0) : "";
  // An in-memory database reports "memory"; a file that cannot use WAL (e.g. on a network file
  // system without shared memory) reports its old mode.
  if (mode != "wal" && mode != "memory")
    return MakeError(ErrorCode::kInternal, "WAL mode unavailable (journal mode is '" + mode +
                                               "'); put the database on a local file system");
  // synchronous=NORMAL is safe in WAL mode: a commit is written to the WAL before it returns,
  // so a crash of the server process loses nothing (the outbox promise); only a power loss or
  // OS crash can roll back the last few commits, and it never corrupts the database. FULL
  // would fsync on every commit, which history appends and delivery updates do many times a
  // second.
  // A 16 MiB page cache and no memory-mapped reads, for the server's resident size (issue 8:
  // under 100 MB after ingesting 10 runs of 1M points, bench/ingest_bench.py --rss-runs 10). The
  // working set of the hot paths is small: an append touches the run row, its keys' last metric
  // chunks (32 KiB each) and the new block, and the delivery queue is a few pages; 16 MiB holds
  // them with room to spare, where SQLite's 2 MiB default would send them to pread(). A larger
  // cache only filled with pages of history already written (64 MiB of heap after 10M points),
  // and every page of the database read through mmap counts in the resident size too (the old
  // 256 MiB mmap_size held 160 MiB of file pages after the same 10M points) while saving only a
  // memcpy per page read: pages the WAL holds are read with pread() anyway.
  return ExecuteScript(
      "PRAGMA synchronous=NORMAL;"
      "PRAGMA foreign_keys=ON;"
      "PRAGMA cache_size=-16384;"
      "PRAGMA mmap_size=0;");
}

Connection::~Connection() {
  statements_.clear();  // finalize every statement before closing
  sqlite3_close(db_);
}

Status Connection::ExecuteScript(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (code == SQLITE_OK) return OkStatus();
  sqlite3_free(message);  // the same text is available from sqlite3_errmsg
  return SqliteError(db_, code, "run SQL script");
}

Result<StatementRef> Connection::Prepare(std::string_view sql) {
  std::string key(sql);
  auto found = statements_.find(key);
  if (found == statements_.end()) {
    Result<std::unique_ptr<Statement>> prepared = Statement::Prepare(db_, sql);
    if (!prepared) return prepared.error();
    found = statements_.emplace(std::move(key), std::move(prepared).value()).first;
  }
  Statement& statement = *found->second;
  if (!statement.TryAcquire())
    return MakeError(ErrorCode::kInternal,
                     "statement used while already in use: '" + SqlForMessage(sql) + "'");
  return StatementRef(statement);
}

Status Connection::ExecuteCached(std::string_view sql) {
  Result<StatementRef> statement = Prepare(sql);
  if (!statement) return statement.error();
  return (*statement)->Execute();
}

Result<int64_t> Connection::QueryInt64(std::string_view sql) {
  Result<StatementRef> statement = Prepare(sql);
  if (!statement) return statement.error();
  Result<bool> row = (*statement)->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(ErrorCode::kInternal, "no row from '" + SqlForMessage(sql) + "'");
  return (*statement)->ColumnInt64(0);
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Result<Transaction> Transaction::Begin(Connection& connection) {
  if (Status status = connection.ExecuteCached("BEGIN IMMEDIATE"); !status) {
    ErrorInfo error = status.error();
    error.message = "begin transaction on '" + connection.path() + "': " + error.message;
    return error;
  }
  return Transaction(connection);
}

Transaction::Transaction(Transaction&& other) noexcept : connection_(other.connection_) {
  other.connection_ = nullptr;
}

Transaction::~Transaction() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
  if (connection_ == nullptr || !connection_->InTransaction()) return;
  if (Status status = connection_->ExecuteCached("ROLLBACK"); !status) {
    // A destructor cannot return the error; the next Begin will fail and report it too.
    std::fprintf(stderr, "runhook store: rollback failed: %s\n", status.error().message.c_str());
  }
}

Status Transaction::Commit() {
  if (Status status = connection_->ExecuteCached("COMMIT"); !status) return status;
  connection_ = nullptr;
  return OkStatus();
}

}  // namespace runhook::store::sqlite
