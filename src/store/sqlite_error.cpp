#include "store/sqlite_error.h"

#include <sqlite3.h>

#include <string>

namespace runhook::store::sqlite {

ErrorInfo SqliteError(sqlite3* db, int code, std::string_view context) {
  const int primary = code & 0xff;
  ErrorCode mapped = ErrorCode::kInternal;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    mapped = ErrorCode::kUnavailable;
  } else if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    mapped = ErrorCode::kConflict;
  }
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string message = std::string(context) + ": " + detail;
  if (mapped == ErrorCode::kUnavailable) message += " (the database is busy; try again)";
  return MakeError(mapped, std::move(message));
}

std::string SqlForMessage(std::string_view sql) {
  constexpr size_t kMaximumLength = 80;
  std::string text;
  bool pending_space = false;
  for (char character : sql) {
    if (character == ' ' || character == '\n' || character == '\t' || character == '\r') {
      pending_space = !text.empty();
      continue;
    }
    if (pending_space) text += ' ';
    pending_space = false;
    text += character;
    if (text.size() >= kMaximumLength) return text + "...";
  }
  return text;
}

}  // namespace runhook::store::sqlite
