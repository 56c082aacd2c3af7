// Opens a store from a user-facing spec, as given to `runhook server --store`:
//   "sqlite:/path/to/runhook.db"  (the embedded default)
//   "postgresql://..."            (later)
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace runhook::store {

Result<std::unique_ptr<Store>> OpenStore(const std::string& spec);

}  // namespace runhook::store
