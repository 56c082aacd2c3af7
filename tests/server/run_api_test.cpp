// Black-box round trips through a real Server and SQLite store: create, start, history,
// heartbeat, finish, get, and the delivery log.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/history_batch_scanner.h"
#include "test_support.h"

namespace runhook::server::testing {
namespace {

Json SeedRunBody() {
  return Json::parse(R"({
    "entity": "alice", "project": "webhook-demo", "job_type": "training",
    "config": {"learning_rate": 0.001, "epochs": 3, "batch_size": 64, "one": 1, "one_float": 1.0},
    "hooks": [{"name": "notify", "run_state": ["finished"], "url": "http://127.0.0.1:9/recv",
               "method": "POST", "body": "{\"run_id\": \"{{run.id}}\"}"}]})");
}

size_t CountDeliveries(TestServer& server, const std::string& run_path, const std::string& event) {
  HttpAnswer answer = server.Get(run_path + "/deliveries");
  EXPECT_EQ(answer.status, 200) << answer.body;
  size_t count = 0;
  for (const auto& delivery : answer.json["deliveries"])
    if (delivery["event"] == event) ++count;
  return count;
}

TEST(RunApi, HealthzAnswersOkWithVersion) {
  TestServer server;
  HttpAnswer answer = server.Get("/healthz");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.json["status"], "ok");
  EXPECT_EQ(answer.json["version"], RUNHOOK_VERSION);
}

TEST(RunApi, CreateGeneratesIdNameAndUrlAndReturnsNamedHooks) {
  TestServer server;
  HttpAnswer answer = server.Post("/api/v1/runs", SeedRunBody());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const Json& run = answer.json["run"];
  const std::string id = run["id"];
  EXPECT_EQ(id.size(), 8u);
  EXPECT_FALSE(run["name"].get<std::string>().empty());
  EXPECT_EQ(run["state"], "created");
  EXPECT_EQ(run["entity"], "alice");
  EXPECT_EQ(run["project"], "webhook-demo");
  EXPECT_EQ(run["job_type"], "training");
  EXPECT_EQ(run["last_step"], -1);
  EXPECT_EQ(run["url"], server.public_url() + "/alice/webhook-demo/runs/" + id);
  ASSERT_EQ(answer.json["hooks"].size(), 1u);
  EXPECT_EQ(answer.json["hooks"][0]["name"], "notify");
}

TEST(RunApi, GivenIdAndNameAreKept) {
  TestServer server;
  Json body = SeedRunBody();
  body["id"] = "my-run_1";
  body["name"] = "bright-river-1";
  Json run = server.CreateRun(body);
  EXPECT_EQ(run["id"], "my-run_1");
  EXPECT_EQ(run["name"], "bright-river-1");
}

TEST(RunApi, ListsAProjectsRunsNewestFirstFilteredByState) {
  TestServer server;
  for (const char* id : {"first111", "second22", "other333"}) {
    Json body = {{"entity", "alice"},
                 {"project", id == std::string("other333") ? "other" : "p"},
                 {"id", id}};
    ASSERT_EQ(server.Post("/api/v1/runs", body).status, 201);
  }
  ASSERT_EQ(server.Post("/api/v1/runs/alice/p/second22/start", Json::object()).status, 200);
  HttpAnswer all = server.Get("/api/v1/runs?entity=alice&project=p");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["runs"].size(), 2u) << all.body;
  EXPECT_EQ(all.json["runs"][0]["id"], "second22");
  EXPECT_EQ(all.json["runs"][1]["id"], "first111");
  HttpAnswer running = server.Get("/api/v1/runs?entity=alice&project=p&state=running");
  ASSERT_EQ(running.json["runs"].size(), 1u) << running.body;
  EXPECT_EQ(running.json["runs"][0]["id"], "second22");
  EXPECT_EQ(server.Get("/api/v1/runs?entity=alice&project=none").json["runs"].size(), 0u);
  HttpAnswer bad_state = server.Get("/api/v1/runs?entity=alice&project=p&state=done");
  EXPECT_EQ(bad_state.status, 400);
  EXPECT_NE(bad_state.body.find("'state': unknown state 'done'"), std::string::npos)
      << bad_state.body;
  EXPECT_EQ(server.Get("/api/v1/runs?project=p").status, 400);
}

TEST(RunApi, UnnamedHooksAreNamedInOrder) {
  TestServer server;
  Json body = SeedRunBody();
  body["hooks"].push_back(body["hooks"][0]);
  body["hooks"][0].erase("name");
  body["hooks"][1].erase("name");
  HttpAnswer answer = server.Post("/api/v1/runs", body);
  ASSERT_EQ(answer.status, 201) << answer.body;
  EXPECT_EQ(answer.json["hooks"][0]["name"], "hook-1");
  EXPECT_EQ(answer.json["hooks"][1]["name"], "hook-2");
}

TEST(RunApi, SigningSecretValuesAreNeverShownButNamesAre) {
  TestServer server;
  Json body = SeedRunBody();
  body["hooks"][0]["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw team-key";
  HttpAnswer created = server.Post("/api/v1/runs", body);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["hooks"][0]["secret"], "whsec_******** team-key");
  HttpAnswer got = server.Get(TestServer::RunPath(created.json["run"]));
  EXPECT_EQ(got.json["hooks"][0]["secret"], "whsec_******** team-key");
  EXPECT_EQ(got.body.find("MfKQ9r8"), std::string::npos);
}

TEST(RunApi, ConfigKeepsIntegersApartFromFloats) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  HttpAnswer answer = server.Get(TestServer::RunPath(run));
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Json& config = answer.json["run"]["config"];
  EXPECT_EQ(config.dump(),
            R"({"learning_rate":0.001,"epochs":3,"batch_size":64,"one":1,"one_float":1.0})");
  EXPECT_TRUE(config["one"].is_number_integer());
  EXPECT_TRUE(config["one_float"].is_number_float());
}

TEST(RunApi, FullLifecycleRoundTrips) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);

  HttpAnswer started = server.Post(path + "/start", Json::object());
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.json["run"]["state"], "running");
  EXPECT_FALSE(started.json["run"]["started_at"].is_null());

  HttpAnswer logged = server.Post(path + "/history", Json::parse(R"({"batch_id": "b-1", "rows": [
      {"step": 0, "values": {"loss": 0.9, "epoch": 0}},
      {"step": 1, "values": {"loss": 0.5, "epoch": 0, "accuracy": 0.7}},
      {"step": 2, "values": {"loss": 0.25, "epoch": 1}}]})"));
  ASSERT_EQ(logged.status, 200) << logged.body;
  EXPECT_EQ(logged.json["acknowledged"], "b-1");
  EXPECT_EQ(logged.json["last_step"], 2);

  HttpAnswer beat = server.Post(path + "/heartbeat", "");
  ASSERT_EQ(beat.status, 200) << beat.body;
  EXPECT_TRUE(beat.json["heartbeat_at"].is_string());

  HttpAnswer finished = server.Post(path + "/finish", Json{{"exit_code", 0}});
  ASSERT_EQ(finished.status, 200) << finished.body;
  EXPECT_EQ(finished.json["run"]["state"], "finished");
  EXPECT_EQ(finished.json["run"]["exit_code"], 0);
  EXPECT_FALSE(finished.json["run"]["finished_at"].is_null());

  HttpAnswer got = server.Get(path);
  ASSERT_EQ(got.status, 200) << got.body;
  const Json& stored = got.json["run"];
  EXPECT_EQ(stored["state"], "finished");
  EXPECT_EQ(stored["summary"], Json::parse(R"({"loss": 0.25, "epoch": 1, "accuracy": 0.7})"));
  EXPECT_EQ(stored["last_step"], 2);
  EXPECT_EQ(got.json["hooks"].size(), 1u);

  HttpAnswer history = server.Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.body;
  ASSERT_EQ(history.json["rows"].size(), 3u);
  EXPECT_EQ(history.json["rows"][1]["step"], 1);
  EXPECT_EQ(history.json["rows"][1]["values"]["accuracy"], 0.7);
}

TEST(RunApi, HistoryReadsBackAsSentWhetherScannedOrParsedTheGeneralWay) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  // The fast scanner accepts the first body (its rows' text is stored as sent); the nested value
  // in the second sends it to the DOM parse (its rows are written from the parsed values).
  const std::string scanned =
      R"({"batch_id": "scanned", "rows": [{"step": 0, "values": { "loss" : 1.0, "big": 1e5,)"
      R"( "n": 18446744073709551615, "neg": -3, "name": "a b", "yes": true,)"
      R"( "none": null }}, {"step": 1, "values": {"loss": 0.1000000000000000055511151231257827}}]})";
  const std::string general =
      R"({"batch_id": "general", "rows": [{"step": 2, "values": {"loss": 1.0, "big": 1e5,)"
      R"( "n": 18446744073709551615, "neg": -3, "name": "café", "nested": {"a": [1]}}},)"
      R"( {"step": 3, "values": {"loss": 2.5e-3}}]})";
  ASSERT_TRUE(ScanHistoryBatch(scanned).has_value());
  ASSERT_FALSE(ScanHistoryBatch(general).has_value());
  Json expected = Json::array();
  for (const std::string* body : {&scanned, &general}) {
    HttpAnswer logged = server.Post(path + "/history", *body);
    ASSERT_EQ(logged.status, 200) << logged.body;
    const Json sent = Json::parse(*body);
    for (const Json& row : sent["rows"]) expected.push_back(row);
  }
  HttpAnswer history = server.Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.body;
  const Json& rows = history.json["rows"];
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t index = 0; index < expected.size(); ++index) {
    EXPECT_EQ(rows[index]["step"], expected[index]["step"]);
    // Same keys in the same order, same values, same JSON number types.
    EXPECT_EQ(rows[index]["values"].dump(), expected[index]["values"].dump()) << index;
    for (const auto& [key, value] : expected[index]["values"].items())
      EXPECT_EQ(rows[index]["values"][key].type(), value.type()) << index << " " << key;
  }
}

TEST(RunApi, HistoryQueryFiltersByStepRangeAndLimit) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  Json rows = Json::array();
  for (int step = 0; step < 10; ++step) rows.push_back({{"step", step}, {"values", {{"x", step}}}});
  ASSERT_EQ(server.Post(path + "/history", Json{{"batch_id", "b"}, {"rows", rows}}).status, 200);

  HttpAnswer ranged = server.Get(path + "/history?min_step=3&max_step=5");
  ASSERT_EQ(ranged.status, 200) << ranged.body;
  ASSERT_EQ(ranged.json["rows"].size(), 3u);
  EXPECT_EQ(ranged.json["rows"][0]["step"], 3);
  EXPECT_EQ(ranged.json["rows"][2]["step"], 5);

  HttpAnswer limited = server.Get(path + "/history?min_step=4&limit=2");
  ASSERT_EQ(limited.json["rows"].size(), 2u);
  EXPECT_EQ(limited.json["rows"][0]["step"], 4);
}

TEST(RunApi, RepeatedHistoryBatchIdIsStoredOnce) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  const Json batch =
      Json::parse(R"({"batch_id": "b-7f3a-12", "rows": [{"step": 0, "values": {"loss": 1}}]})");
  ASSERT_EQ(server.Post(path + "/history", batch).status, 200);
  HttpAnswer again = server.Post(path + "/history", batch);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["acknowledged"], "b-7f3a-12");
  EXPECT_EQ(server.Get(path + "/history").json["rows"].size(), 1u);
}

TEST(RunApi, ConcurrentHistoryBatchesAreAllKept) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  constexpr int kThreads = 4;
  constexpr int kBatchesPerThread = 10;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int batch = 0; batch < kBatchesPerThread; ++batch) {
        const int step = thread * kBatchesPerThread + batch;
        Json body = {{"batch_id", "b" + std::to_string(step)},
                     {"rows", {{{"step", step}, {"values", {{"x", step}}}}}}};
        if (server.Post(path + "/history", body).status != 200) ++failures[thread];
        if (server.Post(path + "/heartbeat", "").status != 200) ++failures[thread];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
  EXPECT_EQ(server.Get(path + "/history").json["rows"].size(),
            static_cast<size_t>(kThreads * kBatchesPerThread));
  EXPECT_EQ(server.Get(path).json["run"]["last_step"], kThreads * kBatchesPerThread - 1);
}

TEST(RunApi, StartingTwiceFiresRunningOnce) {
  TestServer server;
  Json body = SeedRunBody();
  body["hooks"][0]["run_state"] = {"running"};
  Json run = server.CreateRun(body);
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  HttpAnswer again = server.Post(path + "/start", "");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["run"]["state"], "running");
  EXPECT_EQ(CountDeliveries(server, path, "running"), 1u);
}

TEST(RunApi, FinishingTwiceReturnsTheRunAndFiresNothingNew) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  HttpAnswer again = server.Post(path + "/finish", Json{{"exit_code", 1}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["run"]["state"], "finished");
  EXPECT_EQ(again.json["run"]["exit_code"], 0);
  EXPECT_EQ(CountDeliveries(server, path, "finished"), 1u);
  EXPECT_EQ(CountDeliveries(server, path, "failed"), 0u);
}

TEST(RunApi, NonZeroExitFailsTheRunWithReasonAndError) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  HttpAnswer failed = server.Post(path + "/finish", Json::parse(R"({"exit_code": 3,
      "error": {"type": "ValueError", "message": "bad", "traceback": "line 1"}})"));
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(failed.json["run"]["state"], "failed");
  EXPECT_EQ(failed.json["run"]["exit_code"], 3);
  EXPECT_EQ(failed.json["run"]["failure_reason"], "exception");
  EXPECT_EQ(failed.json["run"]["error"]["type"], "ValueError");
}

TEST(RunApi, DeliveriesCanBeListedByRunHookAndStateAndFetchedById) {
  TestServer server;
  Json run = server.CreateRun(SeedRunBody());
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  HttpAnswer by_run = server.Get("/api/v1/deliveries?run=" + run["id"].get<std::string>());
  ASSERT_EQ(by_run.status, 200) << by_run.body;
  ASSERT_EQ(by_run.json["deliveries"].size(), 1u);
  const Json& delivery = by_run.json["deliveries"][0];
  EXPECT_EQ(delivery["event"], "finished");
  EXPECT_EQ(delivery["hook"], "notify");
  EXPECT_EQ(delivery["run_id"], run["id"]);
  EXPECT_EQ(delivery["body"], "{\"run_id\": \"" + run["id"].get<std::string>() + "\"}");
  EXPECT_TRUE(delivery["attempts"].is_array());
  EXPECT_EQ(delivery["webhook_id"].get<std::string>().rfind("msg_", 0), 0u);

  HttpAnswer full = server.Get("/api/v1/deliveries?entity=alice&project=webhook-demo&run=" +
                               run["id"].get<std::string>() + "&hook=notify");
  EXPECT_EQ(full.json["deliveries"].size(), 1u);
  HttpAnswer other_hook =
      server.Get("/api/v1/deliveries?run=" + run["id"].get<std::string>() + "&hook=someone-else");
  EXPECT_EQ(other_hook.json["deliveries"].size(), 0u);

  HttpAnswer one =
      server.Get("/api/v1/deliveries/" + std::to_string(delivery["id"].get<int64_t>()));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json["delivery"]["webhook_id"], delivery["webhook_id"]);
}

}  // namespace
}  // namespace runhook::server::testing
