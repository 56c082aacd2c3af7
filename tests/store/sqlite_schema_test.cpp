// Opening, reopening and migrating a file-backed store.
#include <gtest/gtest.h>

#include <cstdio>

#include "store/schema.h"
#include "store_test_support.h"

namespace runhook::store::testing {
namespace {

class SchemaTest : public ::testing::Test {
 protected:
  std::string Path() const { return (directory_.path() / "runhook.db").string(); }
  TemporaryDirectory directory_;
};

TEST_F(SchemaTest, NewFileIsMigratedToTheCurrentVersionInWalMode) {
  std::unique_ptr<Store> store = OpenOrDie(Path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryFile(Path(), "PRAGMA user_version"), sqlite::CurrentSchemaVersion());
  // WAL is a property of the file: a new connection sees it.
  EXPECT_EQ(QueryFile(Path(), "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

TEST_F(SchemaTest, ReopenedStoreKeepsEverything) {
  int64_t delivery_id = 0;
  {
    std::unique_ptr<Store> store = OpenOrDie(Path());
    ASSERT_NE(store, nullptr);
    EventWrite event = SampleEvent("created", 1000, {"notify"});
    ASSERT_TRUE(store->CreateRun(SampleRun(), {SampleHook("notify")}, &event));
    RunRecord run = SampleRun();
    run.last_step = 0;
    ASSERT_TRUE(store->AppendHistory(run, "b1", {HistoryRow{0, Json{{"loss", 1.0}}}}));
    Result<std::vector<Delivery>> claimed = store->ClaimDueDeliveries(1000, 1, 60'000, "d");
    ASSERT_EQ(claimed->size(), 1u);
    delivery_id = claimed->front().id;
    AttemptOutcome outcome;
    outcome.attempt.delivery_id = delivery_id;
    outcome.attempt.number = 1;
    outcome.new_state = DeliveryState::kPending;
    outcome.next_attempt_at_ms = 7000;
    ASSERT_TRUE(store->RecordAttempts({outcome}).front());
  }
  std::unique_ptr<Store> reopened = OpenOrDie(Path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(QueryFile(Path(), "PRAGMA user_version"), sqlite::CurrentSchemaVersion());
  Result<RunRecord> run = reopened->GetRun(SampleKey());
  ASSERT_TRUE(run) << Describe(run);
  EXPECT_EQ(run->version, 1);
  EXPECT_EQ(run->config.dump(), SampleRun().config.dump());
  EXPECT_EQ(reopened->GetHooks(SampleKey())->size(), 1u);
  EXPECT_EQ(reopened->GetHistory(SampleKey(), 0, 10, -1)->size(), 1u);
  EXPECT_EQ(reopened->ListEvents(SampleKey())->size(), 1u);
  EXPECT_EQ(reopened->ListAttempts(delivery_id)->size(), 1u);
  // A restarted server resumes the pending delivery when it is due.
  EXPECT_EQ(reopened->NextDueTime()->value_or(-1), 7000);
  EXPECT_EQ(reopened->ClaimDueDeliveries(7000, 10, 60'000, "d")->size(), 1u);
}

TEST_F(SchemaTest, VersionOneDatabaseGainsSecretsAndDisabledReasons) {
  {
    std::unique_ptr<Store> store = OpenOrDie(Path());
    ASSERT_NE(store, nullptr);
    EventWrite event = SampleEvent("created", 1000, {"notify"});
    ASSERT_TRUE(store->CreateRun(SampleRun(), {SampleHook("notify")}, &event));
  }
  // Take the file back to what version 1 wrote.
  MoveHistoryBackToRows(Path());
  ExecuteOnFile(Path(),
                "DROP TABLE secrets; ALTER TABLE hooks DROP COLUMN disabled_reason; "
                "ALTER TABLE deliveries DROP COLUMN masked_request; "
                "DROP INDEX runs_running_by_periodic; ALTER TABLE runs DROP COLUMN resumed_count; "
                "ALTER TABLE runs DROP COLUMN state_history; "
                "ALTER TABLE runs DROP COLUMN hook_state; "
                "ALTER TABLE runs DROP COLUMN next_periodic_at; "
                "ALTER TABLE runs DROP COLUMN summary_state; "
                "DROP INDEX deliveries_due; "
                "CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) "
                "WHERE state = 'pending'; "
                "DROP TABLE metric_chunks; "
                "PRAGMA user_version = 1");
  ASSERT_EQ(QueryFile(Path(),
                      "SELECT COUNT(*) FROM pragma_table_info('hooks') "
                      "WHERE name = 'disabled_reason'"),
            0);

  std::unique_ptr<Store> store = OpenOrDie(Path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryFile(Path(), "PRAGMA user_version"), sqlite::CurrentSchemaVersion());
  EXPECT_EQ(store->GetHooks(SampleKey())->size(), 1u);
  ASSERT_TRUE(store->DisableHook(SampleKey(), "notify", "the receiver answered 410 Gone"));
  EXPECT_EQ(QueryFile(Path(),
                      "SELECT disabled_reason = 'the receiver answered 410 Gone' "
                      "FROM hooks WHERE name = 'notify'"),
            1);
  ASSERT_TRUE(store->PutSecret("team-key", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_EQ(store->ListSecretNames().value(), std::vector<std::string>{"team-key"});
}

TEST_F(SchemaTest, VersionSevenHistoryRowsMoveIntoBlocks) {
  RunRecord run = SampleRun();
  {
    std::unique_ptr<Store> store = OpenOrDie(Path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateRun(run, {}, nullptr));
    ASSERT_TRUE(store->AppendHistory(
        run, "b1",
        {HistoryRow{0, Json{{"loss", 0.5}}}, HistoryRow{2, Json{{"loss", 0.25}, {"note", "x"}}}}));
    ++run.version;
    ASSERT_TRUE(store->AppendHistory(run, "b2", {HistoryRow{1, Json{{"loss", 0.4}}}}));
  }
  MoveHistoryBackToRows(Path());
  ExecuteOnFile(Path(), "PRAGMA user_version = 7");
  ASSERT_EQ(QueryFile(Path(), "SELECT COUNT(*) FROM history"), 3);
  std::unique_ptr<Store> store = OpenOrDie(Path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryFile(Path(), "PRAGMA user_version"), sqlite::CurrentSchemaVersion());
  Result<std::vector<HistoryRow>> rows = store->GetHistory(run.key, 0, 10, -1);
  ASSERT_TRUE(rows) << Describe(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1].step, 1);
  EXPECT_EQ((*rows)[2].values.dump(), R"({"loss":0.25,"note":"x"})");
  // Appends after the migration continue after the moved rows.
  run = store->GetRun(run.key).value();
  ASSERT_TRUE(store->AppendHistory(run, "b3", {HistoryRow{3, Json{{"loss", 0.1}}}}));
  EXPECT_EQ(store->GetLastHistory(run.key, 2)->back().step, 3);
  EXPECT_EQ(store->GetHistory(run.key, 0, 10, -1)->size(), 4u);
}

// Migration 10 drops deliveries_by_event (no query reads by event; see schema.cpp) and keeps
// the indexes of listing by run, hook and state, the claim's and the unique webhook id's.
TEST_F(SchemaTest, DeliveriesKeepTheIndexesTheirQueriesUse) {
  { ASSERT_NE(OpenOrDie(Path()), nullptr); }
  auto has_index = [&](const std::string& name) {
    const std::string sql =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '" + name + "'";
    return QueryFile(Path(), sql.c_str()) == 1;
  };
  EXPECT_FALSE(has_index("deliveries_by_event"));
  for (const char* name : {"deliveries_due", "deliveries_by_run", "deliveries_by_hook",
                           "deliveries_by_state", "sqlite_autoindex_deliveries_1"})
    EXPECT_TRUE(has_index(name)) << name;
}

TEST_F(SchemaTest, DatabaseFromANewerRunhookIsRefused) {
  { ASSERT_NE(OpenOrDie(Path()), nullptr); }
  ExecuteOnFile(Path(), "PRAGMA user_version = 999");
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(Path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("schema version 999"), std::string::npos)
      << store.error().message;
}

TEST_F(SchemaTest, MissingDirectoryIsReportedWithThePath) {
  const std::string path = (directory_.path() / "missing" / "runhook.db").string();
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
}

TEST_F(SchemaTest, FileThatIsNotADatabaseIsReported) {
  FILE* file = std::fopen(Path().c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("this is not an SQLite database, just some text long enough to have a header", file);
  std::fclose(file);
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(Path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find(Path()), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a database"), std::string::npos)
      << store.error().message;
}

}  // namespace
}  // namespace runhook::store::testing
