// Maps SQLite result codes to runhook's error codes:
//   SQLITE_BUSY, SQLITE_LOCKED               -> kUnavailable (transient; retry later)
//   UNIQUE / PRIMARY KEY constraint failures -> kConflict
//   anything else                            -> kInternal, with SQLite's message
// Thread safety: call with the connection serialised (it reads the connection's last error).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;

namespace runhook::store::sqlite {

// `context` says what was being done ("insert run", "open /path/db"); `db` may be null, in
// which case the generic text of `code` is used instead of the connection's message.
ErrorInfo SqliteError(sqlite3* db, int code, std::string_view context);

// `sql` on one line, whitespace collapsed, cut to about 80 characters: for error messages.
std::string SqlForMessage(std::string_view sql);

}  // namespace runhook::store::sqlite
