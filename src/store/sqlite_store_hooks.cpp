// SqliteStore: hooks disabled by their receivers, and the stored secrets (signing secrets hooks
// refer to by name, and values for `{{ secrets.NAME }}`).
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "store/sql.h"
#include "store/sqlite_store_impl.h"

namespace runhook::store::sqlite {
namespace {

constexpr std::string_view kSecretValuePrefix = "whsec_";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The whitespace-separated items of `text`.
std::vector<std::string> SplitOnWhitespace(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> items;
  for (std::string item; stream >> item;) items.push_back(std::move(item));
  return items;
}

// Why `name` cannot name a secret, or "" when it can.
std::string FindSecretNameProblem(const std::string& name) {
  if (name.empty()) return "a secret needs a name";
  if (name.find_first_of(" \t\r\n") != std::string::npos)
    return "secret name '" + name + "' contains whitespace";
  if (StartsWith(name, kSecretValuePrefix))
    return "secret name '" + name + "' starts with \"whsec_\", which marks a secret value";
  return "";
}

}  // namespace

Status SqliteStore::WriteHookDisabled(int64_t run_pk, const std::string& run,
                                      const std::string& hook_name, const std::string& reason) {
  Result<StatementRef> update = connection_->Prepare(sql::kDisableHook);
  if (!update) return update.error();
  (*update)->BindInt64(":run_pk", run_pk);
  (*update)->BindText(":name", hook_name);
  (*update)->BindText(":reason", reason);
  if (Status status = (*update)->Execute(); !status) return status;
  if (connection_->Changes() == 0)
    return MakeError(ErrorCode::kNotFound, "run " + run + " has no hook '" + hook_name + "'");
  return OkStatus();
}

Status SqliteStore::DisableHook(const RunKey& run, const std::string& hook_name,
                                const std::string& reason) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  Result<int64_t> run_pk = FindRunPk(run);
  if (!run_pk) return run_pk.error();
  if (Status status = WriteHookDisabled(*run_pk, DescribeRun(run), hook_name, reason); !status)
    return status;
  return transaction->Commit();
}

Result<std::optional<std::string>> SqliteStore::FindSecretValue(const std::string& name) {
  Result<StatementRef> select = connection_->Prepare(sql::kSelectSecretValue);
  if (!select) return select.error();
  (*select)->BindText(":name", name);
  Result<bool> row = (*select)->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*select)->ColumnText(0));
}

std::vector<Result<std::vector<std::string>>> SqliteStore::GetSigningSecretsOfDeliveries(
    const std::vector<int64_t>& delivery_ids) {
  MutexLock lock(mutex_);
  std::vector<Result<std::vector<std::string>>> results;
  results.reserve(delivery_ids.size());
  const auto fail_all = [&](const ErrorInfo& error) {
    results.assign(delivery_ids.size(), Result<std::vector<std::string>>(error));
    return results;
  };
  Result<StatementRef> select = connection_->Prepare(sql::kSelectDeliveryHookSecrets);
  if (!select) return fail_all(select.error());
  (*select)->BindText(":ids", JsonIdList(delivery_ids));
  std::unordered_map<int64_t, Result<std::vector<std::string>>> found;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return fail_all(row.error());
    if (!*row) break;
    // Messages are built only for an error: this runs for every delivery sent.
    const auto describe_run = [&select] {
      return DescribeRun(
          RunKey{(*select)->ColumnText(1), (*select)->ColumnText(2), (*select)->ColumnText(3)});
    };
    const auto describe_hook = [&select, &describe_run] {
      return "hook '" + (*select)->ColumnText(4) + "' of run " + describe_run();
    };
    const bool hook_exists = (*select)->ColumnInt64(6) != 0;
    found.emplace((*select)->ColumnInt64(0),
                  hook_exists
                      ? ResolveSigningSecrets((*select)->ColumnText(5), describe_hook)
                      : Result<std::vector<std::string>>(MakeError(
                            ErrorCode::kNotFound, "run " + describe_run() + " has no hook '" +
                                                      (*select)->ColumnText(4) + "'")));
  }
  for (int64_t id : delivery_ids) {
    auto entry = found.find(id);
    results.push_back(entry != found.end() ? entry->second
                                           : Result<std::vector<std::string>>(MakeError(
                                                 ErrorCode::kNotFound,
                                                 "delivery " + std::to_string(id) + " not found")));
  }
  return results;
}

Result<std::vector<std::string>> SqliteStore::ResolveSigningSecrets(
    const std::string& hook_secret, const std::function<std::string()>& describe_hook) {
  std::vector<std::string> secrets;
  for (std::string& item : SplitOnWhitespace(hook_secret)) {
    if (StartsWith(item, kSecretValuePrefix)) {
      secrets.push_back(std::move(item));
      continue;
    }
    Result<std::optional<std::string>> value = FindSecretValue(item);
    if (!value) return value.error();
    if (!value->has_value())
      return MakeError(ErrorCode::kNotFound,
                       describe_hook() + " signs with secret '" + item + "', which is not stored");
    for (std::string& stored : SplitOnWhitespace(**value)) secrets.push_back(std::move(stored));
  }
  return secrets;
}

Status SqliteStore::PutSecret(const std::string& name, const std::string& value) {
  if (std::string problem = FindSecretNameProblem(name); !problem.empty())
    return MakeError(ErrorCode::kInvalidArgument, problem);
  if (SplitOnWhitespace(value).empty())
    return MakeError(ErrorCode::kInvalidArgument, "secret '" + name + "' has an empty value");
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  {
    Result<StatementRef> upsert = connection_->Prepare(sql::kUpsertSecret);
    if (!upsert) return upsert.error();
    (*upsert)->BindText(":name", name);
    (*upsert)->BindText(":value", value);
    (*upsert)->BindInt64(":now", core::NowUnixMillis());
    if (Status status = (*upsert)->Execute(); !status) return status;
  }
  return transaction->Commit();
}

Result<std::vector<std::string>> SqliteStore::ListSecretNames() {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectSecretNames);
  if (!select) return select.error();
  std::vector<std::string> names;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    names.push_back((*select)->ColumnText(0));
  }
  return names;
}

Result<std::vector<SecretInfo>> SqliteStore::ListSecrets() {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectSecretInfos);
  if (!select) return select.error();
  std::vector<SecretInfo> secrets;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    secrets.push_back(
        SecretInfo{(*select)->ColumnText(0), (*select)->ColumnInt64(1), (*select)->ColumnInt64(2)});
  }
  return secrets;
}

Result<std::map<std::string, std::string>> SqliteStore::GetSecretValues() {
  MutexLock lock(mutex_);
  Result<StatementRef> select = connection_->Prepare(sql::kSelectSecretValues);
  if (!select) return select.error();
  std::map<std::string, std::string> values;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    values.emplace((*select)->ColumnText(0), (*select)->ColumnText(1));
  }
  return values;
}

Status SqliteStore::DeleteSecret(const std::string& name) {
  MutexLock lock(mutex_);
  Result<Transaction> transaction = Transaction::Begin(*connection_);
  if (!transaction) return transaction.error();
  {
    Result<StatementRef> remove = connection_->Prepare(sql::kDeleteSecret);
    if (!remove) return remove.error();
    (*remove)->BindText(":name", name);
    if (Status status = (*remove)->Execute(); !status) return status;
  }
  if (connection_->Changes() == 0)
    return MakeError(ErrorCode::kNotFound, "no secret named '" + name + "'");
  return transaction->Commit();
}

}  // namespace runhook::store::sqlite
