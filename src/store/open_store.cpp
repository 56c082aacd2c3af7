#include "store/open_store.h"

#include <string_view>

#include "store/sqlite_store.h"

namespace runhook::store {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& spec) {
  constexpr std::string_view kSqlitePrefix = "sqlite:";
  if (StartsWith(spec, kSqlitePrefix)) {
    std::string path = spec.substr(kSqlitePrefix.size());
    if (path.empty())
      return MakeError(
          ErrorCode::kInvalidArgument,
          "store 'sqlite:' needs a file path, e.g. sqlite:/var/lib/runhook/runhook.db");
    return OpenSqliteStore(path);
  }
  // The spec is not echoed: a PostgreSQL URL may carry a password.
  if (StartsWith(spec, "postgresql://") || StartsWith(spec, "postgres://"))
    return MakeError(ErrorCode::kInvalidArgument,
                     "PostgreSQL stores are not supported yet; use --store sqlite:PATH");
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown store '" + spec +
                       "' (use sqlite:PATH; postgresql://... is planned but not supported yet)");
}

}  // namespace runhook::store
