// The SQLite schema, versioned in code. The database's `PRAGMA user_version` is the number of
// migrations applied; opening a store applies the missing ones in order, each in its own
// transaction. To change the schema, append a migration to kMigrations in schema.cpp; never
// edit one that has shipped.
//
// Thread safety: none; call with the connection serialised.
#pragma once

#include <cstdint>

#include "core/result.h"
#include "store/sqlite_connection.h"

namespace runhook::store::sqlite {

// The schema version this build writes (the number of migrations it knows).
int64_t CurrentSchemaVersion();

// Brings the database up to CurrentSchemaVersion(). Idempotent; safe when another process
// migrates the same file at the same time (the version is re-read under the write lock).
// Errors: kInternal when the database was written by a newer runhook (a higher version).
Status MigrateSchema(Connection& connection);

}  // namespace runhook::store::sqlite
