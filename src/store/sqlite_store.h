// The embedded SQLite implementation of Store: one database file in WAL mode, prepared
// statements, schema migrations versioned in code (PRAGMA user_version).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace runhook::store {

// Opens (creating if needed) the database at `path` and migrates it to the current schema.
// ":memory:" is accepted for tests. The parent directory must exist.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace runhook::store
