// SqliteStore: metric series for charts, read from metric_chunks (metric_chunks.h).
#include "store/metric_chunks.h"
#include "store/sqlite_store_impl.h"

namespace runhook::store::sqlite {

Result<std::vector<std::string>> SqliteStore::ListMetricKeys(const RunKey& key) {
  MutexLock lock(mutex_);
  Result<int64_t> run_pk = FindRunPk(key);
  if (!run_pk) return run_pk.error();
  return ReadMetricKeys(*connection_, *run_pk);
}

Status SqliteStore::VisitMetricPoints(const RunKey& key, const std::string& metric_key,
                                      int64_t min_step, int64_t max_step,
                                      MetricPointVisitor& visitor) {
  MutexLock lock(mutex_);
  Result<int64_t> run_pk = FindRunPk(key);
  if (!run_pk) return run_pk.error();
  return VisitStoredMetricPoints(*connection_, *run_pk, metric_key, min_step, max_step, visitor);
}

}  // namespace runhook::store::sqlite
