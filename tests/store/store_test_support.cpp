#include "store_test_support.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/history_encoding.h"

namespace runhook::store::testing {

TemporaryDirectory::TemporaryDirectory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "runhook-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored_because_cleanup_is_best_effort;
  std::filesystem::remove_all(path_, ignored_because_cleanup_is_best_effort);
}

RunKey SampleKey(const std::string& id) { return RunKey{"alice", "webhook-demo", id}; }

RunRecord SampleRun(const std::string& id) {
  RunRecord run;
  run.key = SampleKey(id);
  run.name = "bright-river-12";
  run.job_type = "training";
  run.group = "sweep-1";
  run.tags = {"baseline", "gpu"};
  run.notes = "first try";
  run.host = "gpu-box";
  run.config = Json::parse(R"({"learning_rate": 0.001, "epochs": 3, "ratio": 1.0,
                               "nested": {"b": [1, 2.5, "x"], "a": null}})");
  run.summary = Json::parse(R"({"loss": 1, "accuracy": 1.0})");
  run.state = core::RunState::kCreated;
  run.created_at_ms = 1'700'000'000'000;
  run.heartbeat_at_ms = 1'700'000'000'500;
  return run;
}

HookSpec SampleHook(const std::string& name) {
  HookSpec hook;
  hook.name = name;
  hook.run_states = {"finished", "failed"};
  hook.url = "https://example.com/recv";
  hook.method = "PUT";
  hook.body = R"({"run_id": "{{run.id}}"})";
  hook.headers = {{"X-B", "2"}, {"X-A", "{{run.id}}"}};
  hook.timeout_seconds = 2.5;
  hook.max_attempts = 4;
  hook.secret = "whsec_abc";
  hook.when = "run.summary.loss < 0.1";
  hook.every = "5m";
  hook.strict = true;
  return hook;
}

DeliveryDraft SampleDraft(const std::string& hook_name) {
  DeliveryDraft draft;
  draft.hook_name = hook_name;
  draft.webhook_id = core::GenerateWebhookId();
  draft.method = "POST";
  draft.url = "https://example.com/recv";
  draft.headers = {{"Content-Type", "application/json"}, {"X-Run", "abc"}};
  draft.body = std::string("{\"run_id\": \"abc\"}\0tail", 23);
  draft.timeout_seconds = 7.5;
  draft.max_attempts = 3;
  draft.undefined_names = {"run.summary.missing"};
  return draft;
}

EventWrite SampleEvent(const std::string& type, int64_t timestamp_ms,
                       const std::vector<std::string>& hook_names) {
  EventWrite event;
  event.type = type;
  event.timestamp_ms = timestamp_ms;
  event.payload = Json{{"exit_code", 0}};
  for (const std::string& name : hook_names) event.deliveries.push_back(SampleDraft(name));
  return event;
}

std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  if (!store) {
    ADD_FAILURE() << "open " << path << ": " << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

RunRecord CreateRunWithDeliveries(Store& store, const std::string& id, int64_t timestamp_ms,
                                  const std::vector<std::string>& hook_names) {
  RunRecord run = SampleRun(id);
  EventWrite event = SampleEvent("created", timestamp_ms, hook_names);
  Status status = store.CreateRun(run, {}, &event);
  EXPECT_TRUE(status) << Describe(status);
  return run;
}

void StoreTest::SetUp() {
  store_ = OpenOrDie(DatabasePath());
  ASSERT_NE(store_, nullptr);
}

std::string StoreTest::DatabasePath() const {
  return GetParam() == "memory" ? ":memory:" : (directory_.path() / "runhook.db").string();
}

int64_t QueryFile(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int64_t value = -1;
  if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

void ExecuteOnFile(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

void RewriteHistoryBlocksAsJson(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  std::vector<std::pair<int64_t, std::string>> rewritten;  // (rowid, JSON text)
  sqlite3_stmt* select = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT rowid, block_rows FROM history_blocks", -1, &select, nullptr),
      SQLITE_OK)
      << sqlite3_errmsg(db);
  while (sqlite3_step(select) == SQLITE_ROW) {
    const std::string_view bytes(static_cast<const char*>(sqlite3_column_blob(select, 1)),
                                 static_cast<size_t>(sqlite3_column_bytes(select, 1)));
    if (!bytes.starts_with(core::history_encoding::kBlockMagic)) continue;
    std::vector<HistoryRow> rows;
    Status decoded = core::history_encoding::DecodeBlock(bytes, rows);
    EXPECT_TRUE(decoded) << decoded.error().message;
    Json block = Json::array();
    for (const HistoryRow& row : rows) block.push_back(Json::array({row.step, row.values}));
    rewritten.emplace_back(sqlite3_column_int64(select, 0), block.dump());
  }
  sqlite3_finalize(select);
  sqlite3_stmt* update = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE history_blocks SET block_rows = ?1 WHERE rowid = ?2", -1,
                               &update, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  for (const auto& [rowid, text] : rewritten) {
    sqlite3_bind_text(update, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(update, 2, rowid);
    EXPECT_EQ(sqlite3_step(update), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_reset(update);
  }
  sqlite3_finalize(update);
  sqlite3_close(db);
}

void MoveHistoryBackToRows(const std::string& path) {
  RewriteHistoryBlocksAsJson(path);
  ExecuteOnFile(path, kHistoryBeforeBlocks);
}

}  // namespace runhook::store::testing
