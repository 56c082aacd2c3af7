// Connection: one open SQLite database with the settings runhook relies on (WAL, foreign keys,
// busy timeout) and a cache of prepared statements reused across calls.
// Transaction: BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless committed.
//
// Thread safety: none. The owner serialises every use of a Connection and of the statements
// and transactions it hands out (SqliteStore holds one mutex around each call).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/sqlite_statement.h"

struct sqlite3;

namespace runhook::store::sqlite {

class Connection {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for a private in-memory
  // database) and applies the connection settings. The parent directory must exist.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements that return nothing (schema, pragmas).
  Status ExecuteScript(std::string_view sql);

  // Returns the cached prepared statement for `sql`, preparing it on first use. The returned
  // reference resets the statement when it is destroyed; it must not outlive the connection.
  // Errors: kInternal when the same statement is already borrowed (a nested use).
  Result<StatementRef> Prepare(std::string_view sql);

  // Runs one cached statement that returns nothing (BEGIN, COMMIT, an UPDATE without
  // parameters).
  Status ExecuteCached(std::string_view sql);

  // Runs a query returning one integer column in one row (e.g. PRAGMA user_version).
  Result<int64_t> QueryInt64(std::string_view sql);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;  // rows changed by the last INSERT, UPDATE or DELETE
  bool InTransaction() const;
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Configure();

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

class Transaction {
 public:
  // Starts a write transaction, taking the database's write lock now (BEGIN IMMEDIATE) so a
  // transaction never fails half-way because another writer got there first.
  // Errors: kUnavailable when another process holds the lock past the busy timeout.
  static Result<Transaction> Begin(Connection& connection);
  ~Transaction();  // rolls back unless Commit succeeded
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Commit();

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;  // null once committed or moved from
};

}  // namespace runhook::store::sqlite
