#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "store/sqlite_error.h"

namespace runhook::store::sqlite {

Result<std::unique_ptr<Statement>> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  int code = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &statement, &tail);
  if (code != SQLITE_OK) return SqliteError(db, code, "prepare '" + SqlForMessage(sql) + "'");
  if (statement == nullptr)
    return MakeError(ErrorCode::kInternal,
                     "prepare: no SQL statement in '" + SqlForMessage(sql) + "'");
  // Owned from here, so every return below finalizes it.
  std::unique_ptr<Statement> prepared(new Statement(db, statement, std::string(sql)));
  const std::string_view rest = sql.substr(static_cast<size_t>(tail - sql.data()));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos)
    return MakeError(ErrorCode::kInternal,
                     "prepare: more than one SQL statement in '" + SqlForMessage(sql) + "'");
  return prepared;
}

Statement::Statement(sqlite3* db, sqlite3_stmt* statement, std::string sql)
    : db_(db), statement_(statement), sql_(std::move(sql)) {}

Statement::~Statement() { sqlite3_finalize(statement_); }

int Statement::ParameterIndex(const char* name) {
  // Names are nearly always string literals bound in the same order at each use: look from the
  // entry after the last one found. The address only finds the entry; the text decides, so a
  // name in a reused buffer never gets another name's index.
  const size_t known = known_parameters_.size();
  for (size_t step = 0; step < known; ++step) {
    size_t slot = next_known_parameter_ + step;
    if (slot >= known) slot -= known;
    const KnownParameter& parameter = known_parameters_[slot];
    if (parameter.address == name && parameter.name == name) {
      next_known_parameter_ = slot + 1 < known ? slot + 1 : 0;
      return parameter.index;
    }
  }
  int index = sqlite3_bind_parameter_index(statement_, name);
  if (index > 0) {
    auto same_name =
        std::find_if(known_parameters_.begin(), known_parameters_.end(),
                     [&](const KnownParameter& parameter) { return parameter.name == name; });
    if (same_name != known_parameters_.end()) {
      same_name->address = name;  // the same name at another address: remember the latest
    } else {
      known_parameters_.push_back(KnownParameter{name, name, index});
    }
  }
  if (index == 0 && !bind_error_) {
    bind_error_ = MakeError(ErrorCode::kInternal, "bind: no parameter " + std::string(name) +
                                                      " in '" + SqlForMessage(sql_) + "'");
  }
  return index;
}

void Statement::Check(int code, const char* name) {
  if (code != SQLITE_OK && !bind_error_)
    bind_error_ =
        SqliteError(db_, code, "bind " + std::string(name) + " in '" + SqlForMessage(sql_) + "'");
}

void Statement::BindInt64(const char* name, int64_t value) {
  if (int index = ParameterIndex(name)) Check(sqlite3_bind_int64(statement_, index, value), name);
}

void Statement::BindOptionalInt64(const char* name, std::optional<int64_t> value) {
  if (value) {
    BindInt64(name, *value);
  } else {
    BindNull(name);
  }
}

void Statement::BindDouble(const char* name, double value) {
  if (int index = ParameterIndex(name)) Check(sqlite3_bind_double(statement_, index, value), name);
}

void Statement::BindBool(const char* name, bool value) { BindInt64(name, value ? 1 : 0); }

void Statement::BindText(const char* name, std::string_view value) {
  if (int index = ParameterIndex(name))
    Check(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8),
          name);
}

void Statement::BindBlob(const char* name, std::string_view value) {
  if (int index = ParameterIndex(name))
    Check(sqlite3_bind_blob64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT),
          name);
}

void Statement::BindJson(const char* name, const Json& value) {
  std::string text;
  try {
    text = value.dump();
  } catch (const nlohmann::json::type_error& error) {  // invalid UTF-8 in a string
    if (!bind_error_)
      bind_error_ = MakeError(ErrorCode::kInvalidArgument,
                              "cannot store JSON for " + std::string(name) + ": " + error.what());
    return;
  }
  BindText(name, text);
}

void Statement::BindNull(const char* name) {
  if (int index = ParameterIndex(name)) Check(sqlite3_bind_null(statement_, index), name);
}

Result<bool> Statement::Step() {
  if (bind_error_) return *bind_error_;
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return SqliteError(db_, code, "run '" + SqlForMessage(sql_) + "'");
}

Status Statement::Execute() {
  Result<bool> row = Step();
  if (!row) return row.error();
  while (*row) {  // e.g. a PRAGMA that reports its new value
    row = Step();
    if (!row) return row.error();
  }
  return OkStatus();
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int index) const { return sqlite3_column_int64(statement_, index); }

std::optional<int64_t> Statement::ColumnOptionalInt64(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnInt64(index);
}

double Statement::ColumnDouble(int index) const { return sqlite3_column_double(statement_, index); }

std::string Statement::ColumnText(int index) const {
  // Blob access returns the stored bytes unchanged whether the column holds TEXT or a BLOB.
  const void* data = sqlite3_column_blob(statement_, index);
  int size = sqlite3_column_bytes(statement_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::string_view Statement::ColumnBlob(int index) const {
  const void* data = sqlite3_column_blob(statement_, index);
  int size = sqlite3_column_bytes(statement_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string_view(static_cast<const char*>(data), static_cast<size_t>(size));
}

void Statement::Reset() {
  sqlite3_reset(statement_);  // returns the last step's error, already reported by Step
  sqlite3_clear_bindings(statement_);
  bind_error_.reset();
}

bool Statement::TryAcquire() {
  if (in_use_) return false;
  in_use_ = true;
  return true;
}

StatementRef::~StatementRef() {
  if (statement_ == nullptr) return;
  statement_->Reset();
  statement_->Release();
}

}  // namespace runhook::store::sqlite
