// Statement: owns one prepared SQLite statement. StatementRef: borrows a cached Statement for
// one use and resets it (clearing its bindings) when it goes out of scope.
//
// Parameters are bound by name (":run_id"), so SQL text and binding code cannot drift apart by
// position. A binding error (an unknown parameter name, JSON holding invalid UTF-8) is kept and
// returned by the next Step, so call sites bind without checking every call. Columns are read by
// index, in the order of the SELECT.
//
// Thread safety: none. A Statement belongs to one connection; the caller serialises its use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace runhook::store::sqlite {

class Statement {
 public:
  // Prepares `sql` (exactly one SQL statement) on `db` for repeated use. `db` must outlive
  // the statement.
  static Result<std::unique_ptr<Statement>> Prepare(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void BindInt64(const char* name, int64_t value);
  void BindOptionalInt64(const char* name, std::optional<int64_t> value);  // nullopt -> NULL
  void BindDouble(const char* name, double value);
  void BindBool(const char* name, bool value);
  void BindText(const char* name, std::string_view value);  // bytes stored as given
  void BindBlob(const char* name, std::string_view value);
  void BindJson(const char* name, const Json& value);  // compact JSON text; 1 and 1.0 kept apart
  void BindNull(const char* name);

  // Runs one step. Returns true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps a statement that returns no rows (INSERT, UPDATE, ...) to completion.
  Status Execute();

  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  std::optional<int64_t> ColumnOptionalInt64(int index) const;  // NULL -> nullopt
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;  // NULL -> ""; exact bytes, may hold NUL
  // The column's bytes without a copy; valid until the next Step, Reset or column read of the
  // same index as another type. NULL -> empty.
  std::string_view ColumnBlob(int index) const;

  // Forgets the current execution and all bindings; the statement can be used again.
  void Reset();

  // Marks the statement borrowed; false when it already is (a nested use, which is a bug).
  bool TryAcquire();
  void Release() { in_use_ = false; }

  std::string_view sql() const { return sql_; }

 private:
  Statement(sqlite3* db, sqlite3_stmt* statement, std::string sql);
  int ParameterIndex(const char* name);
  void Check(int code, const char* name);

  sqlite3* db_;
  sqlite3_stmt* statement_;
  std::string sql_;
  std::optional<ErrorInfo> bind_error_;
  bool in_use_ = false;
  // Parameter indexes already looked up, by the address and text of the name they were bound
  // with (sqlite3_bind_parameter_index compares the name with each parameter's in turn), at most
  // one entry per parameter; and the entry after the last one found, where a statement bound in
  // the same order as last time finds its next name.
  struct KnownParameter {
    const char* address;
    std::string name;
    int index;
  };
  std::vector<KnownParameter> known_parameters_;
  size_t next_known_parameter_ = 0;
};

// A borrowed, cached statement; resets and releases it on destruction. Move-only.
class StatementRef {
 public:
  explicit StatementRef(Statement& statement) : statement_(&statement) {}
  ~StatementRef();
  StatementRef(StatementRef&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  StatementRef& operator=(StatementRef&&) = delete;
  StatementRef(const StatementRef&) = delete;
  StatementRef& operator=(const StatementRef&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

}  // namespace runhook::store::sqlite
