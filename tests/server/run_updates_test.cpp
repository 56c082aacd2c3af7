// Changes after start through a real Server and SQLite store: PATCH RUN/config, PATCH
// RUN/summary, PUT RUN/metrics/{name}, and what hooks rendered at finish see of them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/run_summary.h"
#include "test_support.h"

namespace runhook::server::testing {
namespace {

// A started run with an optional finished hook; returns its RUN path.
std::string StartRun(TestServer& server, const Json& hooks = Json::array()) {
  Json run = server.CreateRun(Json{{"entity", "alice"},
                                   {"project", "updates"},
                                   {"config", {{"lr", 0.1}, {"layers", {{"n", 2}}}}},
                                   {"hooks", hooks}});
  const std::string path = TestServer::RunPath(run);
  EXPECT_EQ(server.Post(path + "/start", "").status, 200);
  return path;
}

void PostRows(TestServer& server, const std::string& path, const std::vector<Json>& rows) {
  static int batch = 0;
  Json list = Json::array();
  for (const Json& row : rows) list.push_back(row);
  HttpAnswer answer = server.Post(
      path + "/history", Json{{"batch_id", "b" + std::to_string(++batch)}, {"rows", list}});
  ASSERT_EQ(answer.status, 200) << answer.body;
}

Json Row(int step, const Json& values) { return Json{{"step", step}, {"values", values}}; }

Json StoredRun(TestServer& server, const std::string& path) {
  HttpAnswer answer = server.Get(path);
  EXPECT_EQ(answer.status, 200) << answer.body;
  return answer.json["run"];
}

TEST(RunUpdates, ConfigPatchReplacesTopLevelKeysAndKeepsTheRest) {
  TestServer server;
  const std::string path = StartRun(server);
  HttpAnswer answer =
      server.Patch(path + "/config", Json{{"config", {{"layers", {{"m", 3}}}, {"epochs", 5}}}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Json expected = {{"lr", 0.1}, {"layers", {{"m", 3}}}, {"epochs", 5}};
  EXPECT_EQ(answer.json["run"]["config"], expected);
  EXPECT_EQ(StoredRun(server, path)["config"], expected);
}

TEST(RunUpdates, SummarySetExplicitlyWinsOverValuesLoggedLater) {
  TestServer server;
  const std::string path = StartRun(server);
  PostRows(server, path, {Row(0, {{"loss", 1.0}, {"acc", 0.5}})});
  ASSERT_EQ(
      server.Patch(path + "/summary", Json{{"summary", {{"loss", 9}, {"best", 0.25}}}}).status,
      200);
  PostRows(server, path, {Row(1, {{"loss", 2.0}, {"acc", 0.75}})});
  const Json summary = StoredRun(server, path)["summary"];
  EXPECT_EQ(summary["loss"], 9);
  EXPECT_EQ(summary["best"], 0.25);
  EXPECT_EQ(summary["acc"], 0.75);  // not set: still the last logged value
}

TEST(RunUpdates, DefinedMetricsSummarizeAllLoggedValuesBeforeAndAfterTheDefinition) {
  TestServer server;
  const std::string path = StartRun(server);
  PostRows(server, path,
           {Row(0, {{"loss", 3}, {"acc", 0.5}, {"lr", 1.0}}),
            Row(1, {{"loss", 1}, {"acc", 0.25}, {"lr", 0.5}})});
  ASSERT_EQ(server.Put(path + "/metrics/loss", Json{{"summary", "min"}}).status, 200);
  ASSERT_EQ(server.Put(path + "/metrics/acc", Json{{"summary", "max"}}).status, 200);
  ASSERT_EQ(server.Put(path + "/metrics/lr", Json{{"summary", "mean"}}).status, 200);
  EXPECT_EQ(StoredRun(server, path)["summary"], (Json{{"loss", 1}, {"acc", 0.5}, {"lr", 0.75}}));

  PostRows(server, path, {Row(2, {{"loss", 2}, {"acc", 0.75}, {"lr", 0.0}})});
  const Json summary = StoredRun(server, path)["summary"];
  EXPECT_EQ(summary["loss"], 1);    // min of 3, 1, 2 (an int stays an int)
  EXPECT_EQ(summary["acc"], 0.75);  // max of 0.5, 0.25, 0.75
  EXPECT_EQ(summary["lr"], 0.5);    // mean of 1.0, 0.5, 0.0
}

TEST(RunUpdates, MetricWithSummaryNoneLeavesTheSummaryAndSlashNamesWork) {
  TestServer server;
  const std::string path = StartRun(server);
  PostRows(server, path, {Row(0, {{"train/loss", 1.0}, {"noise", 7}})});
  ASSERT_EQ(server.Put(path + "/metrics/noise", Json{{"summary", "none"}}).status, 200);
  ASSERT_EQ(server.Put(path + "/metrics/train%2Floss", Json{{"summary", "max"}}).status, 200);
  PostRows(server, path, {Row(1, {{"train/loss", 0.5}, {"noise", 8}})});
  EXPECT_EQ(StoredRun(server, path)["summary"], (Json{{"train/loss", 1.0}}));
}

TEST(RunUpdates, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  TestServer server;
  const std::string path = StartRun(server);
  struct Case {
    HttpAnswer answer;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({server.Patch(path + "/config", Json{{"config", {1, 2}}}), "'config'"});
  cases.push_back({server.Patch(path + "/config", Json{{"lr", 1}}), "'config'"});
  cases.push_back({server.Patch(path + "/summary", Json{{"summary", "x"}}), "'summary'"});
  cases.push_back({server.Put(path + "/metrics/loss", Json{{"summary", "median"}}), "'summary'"});
  cases.push_back({server.Put(path + "/metrics/loss", Json{{"hidden", "yes"}}), "'hidden'"});
  cases.push_back({server.Put(path + "/metrics/loss", Json{{"step_metric", 3}}), "'step_metric'"});
  for (const Case& item : cases) {
    EXPECT_EQ(item.answer.status, 400) << item.answer.body;
    EXPECT_EQ(item.answer.json["error"]["code"], "invalid_argument");
    EXPECT_NE(item.answer.json["error"]["message"].get<std::string>().find(item.field),
              std::string::npos)
        << item.answer.body;
  }
  const Json run = StoredRun(server, path);
  EXPECT_EQ(run["config"], (Json{{"lr", 0.1}, {"layers", {{"n", 2}}}}));
  EXPECT_EQ(run["summary"], Json::object());
  EXPECT_EQ(
      server.Patch("/api/v1/runs/alice/updates/nosuchrun/config", Json{{"config", Json::object()}})
          .status,
      404);
}

TEST(RunUpdates, FinishedHookRendersTheUpdatedConfigAndSummary) {
  Receiver receiver;
  TestServer server;
  const std::string path =
      StartRun(server, Json::array({Json{{"name", "report"},
                                         {"run_state", {"finished"}},
                                         {"url", receiver.Url("/report")},
                                         {"body", R"({"epochs": {{run.config.epochs}}, )"
                                                  R"("best": {{run.summary.best}}, )"
                                                  R"("loss": {{run.summary.loss}}})"}}}));
  PostRows(server, path,
           {Row(0, {{"loss", 0.5}}), Row(1, {{"loss", 0.25}}), Row(2, {{"loss", 0.75}})});
  ASSERT_EQ(server.Patch(path + "/config", Json{{"config", {{"epochs", 3}}}}).status, 200);
  ASSERT_EQ(server.Patch(path + "/summary", Json{{"summary", {{"best", 0.9}}}}).status, 200);
  ASSERT_EQ(server.Put(path + "/metrics/loss", Json{{"summary", "min"}}).status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Json::parse(requests[0].body), (Json{{"epochs", 3}, {"best", 0.9}, {"loss", 0.25}}));
}

TEST(RunSummary, ParseMetricDefinitionDefaultsToLast) {
  auto definition = ParseMetricDefinition("loss", Json::object());
  ASSERT_TRUE(definition);
  EXPECT_EQ(definition->summary, "last");
  EXPECT_FALSE(definition->hidden);
  EXPECT_FALSE(ParseMetricDefinition("", Json::object()));
}

TEST(RunSummary, MeanSkipsValuesThatAreNotNumbers) {
  core::RunRecord run;
  MetricDefinition mean;
  mean.summary = "mean";
  ApplyMetricDefinition(run, "x", mean, {});
  ApplyRowsToSummary(run, {core::HistoryRow{0, {{"x", 1}}}, core::HistoryRow{1, {{"x", "n/a"}}},
                           core::HistoryRow{2, {{"x", 2}}}});
  EXPECT_EQ(run.summary["x"], 1.5);
}

}  // namespace
}  // namespace runhook::server::testing
