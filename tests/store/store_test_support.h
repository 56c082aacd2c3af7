// Builders and fixtures shared by the store tests: sample runs, hooks, events and deliveries,
// and a temporary directory removed at the end of each test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite_store.h"
#include "store/store.h"

namespace runhook::store::testing {

// A fresh directory under the system temp directory; removed with everything in it.
class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

RunKey SampleKey(const std::string& id = "abc12345");
// A run with every field set to a non-default value.
RunRecord SampleRun(const std::string& id = "abc12345");
HookSpec SampleHook(const std::string& name = "notify");
DeliveryDraft SampleDraft(const std::string& hook_name = "notify");
// An event of `type` at `timestamp_ms` with one draft per hook name given.
EventWrite SampleEvent(const std::string& type, int64_t timestamp_ms,
                       const std::vector<std::string>& hook_names);

// Opens a store or fails the test.
std::unique_ptr<Store> OpenOrDie(const std::string& path);

// Creates a run with one event carrying one delivery per hook name; returns the run.
RunRecord CreateRunWithDeliveries(Store& store, const std::string& id, int64_t timestamp_ms,
                                  const std::vector<std::string>& hook_names);

// A store test that runs once on ":memory:" and once on a file in a temporary directory.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  std::string DatabasePath() const;

  TemporaryDirectory directory_;
  std::unique_ptr<Store> store_;
};

// Reads one integer from a file-backed database with a separate raw connection, as an outside
// tool would (-1 when the query returns no row).
int64_t QueryFile(const std::string& path, const char* sql);

// Runs `sql` on a file-backed database with a separate raw connection (e.g. to roll a schema
// back to an older version).
void ExecuteOnFile(const std::string& path, const char* sql);

// Takes a file-backed database's history back to what schema versions 1 to 7 kept: one `history`
// row per step, history_blocks dropped. Before setting user_version to 7 or lower.
void MoveHistoryBackToRows(const std::string& path);

// Rewrites every history block of a file-backed database as the JSON text blocks were written in
// before the compact encoding (store/history_blocks.h).
void RewriteHistoryBlocksAsJson(const std::string& path);

// The SQL part of MoveHistoryBackToRows, for blocks of JSON text (json_each reads them).
inline constexpr const char* kHistoryBeforeBlocks = R"sql(
CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  run_pk INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  row_values TEXT NOT NULL
);
CREATE INDEX history_by_run_step ON history (run_pk, step, id);
INSERT INTO history (run_pk, step, row_values)
  SELECT block.run_pk, entry.value ->> 0, entry.value -> 1
  FROM history_blocks AS block, json_each(block.block_rows) AS entry
  ORDER BY block.run_pk, block.sequence, entry.key;
DROP TABLE history_blocks;
)sql";

// Prints the error of a failed Result in test output.
template <typename T>
std::string Describe(const Result<T>& result) {
  return result ? "ok" : result.error().message;
}

}  // namespace runhook::store::testing
