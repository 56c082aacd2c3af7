// The run lifecycle against a real server, a real SQLite store and a real receiver: failure
// details in templates, crash detection and recovery, resume, alerts, `when` conditions and
// periodic (`every`) hooks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "test_support.h"

namespace runhook::server::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Observing that nothing more happens needs a window of time; this is that window.
void ObserveFor(std::chrono::milliseconds window) { std::this_thread::sleep_for(window); }

Json Hook(const std::string& name, const Json& states, const std::string& url,
          const std::string& body) {
  return Json{{"name", name}, {"run_state", states}, {"url", url}, {"body", body}};
}

Json RunBody(const std::string& id, const std::vector<Json>& hooks) {
  Json body{{"entity", "alice"}, {"project", "lifecycle"}, {"hooks", Json(hooks)}};
  if (!id.empty()) body["id"] = id;
  return body;
}

std::vector<Json> Bodies(const std::vector<ReceivedRequest>& requests) {
  std::vector<Json> bodies;
  for (const auto& request : requests) bodies.push_back(Json::parse(request.body));
  return bodies;
}

Json History(int64_t step, const Json& values) {
  return Json{{"rows", {{{"step", step}, {"values", values}}}}};
}

TEST(RunLifecycle, FailedHookRendersExitCodeErrorAndReason) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunBody(
      "",
      {Hook("failed", {"failed"}, receiver.Url("/f"),
            R"({"code": {{run.exit_code}}, "type": "{{run.error.type}}", )"
            R"("message": "{{run.error.message}}", "traceback": {{run.error.traceback|tojson}}, )"
            R"("reason": "{{run.failure_reason}}"})")}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  Json finish{
      {"exit_code", 3},
      {"error",
       {{"type", "ValueError"}, {"message", "bad value"}, {"traceback", "line 1\nline 2"}}}};
  ASSERT_EQ(server.Post(path + "/finish", finish).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Json::parse(requests[0].body), (Json{{"code", 3},
                                                 {"type", "ValueError"},
                                                 {"message", "bad value"},
                                                 {"traceback", "line 1\nline 2"},
                                                 {"reason", "exception"}}));
}

TEST(RunLifecycle, SilentRunIsFailedAsCrashedAndRecoversWhenItSendsAgain) {
  Receiver receiver;
  TestServer server(
      [](ServerOptions& options) { options.heartbeat_timeout = std::chrono::milliseconds(1000); });
  Json run = server.CreateRun(RunBody(
      "", {Hook("end", {"failed", "finished"}, receiver.Url("/end"),
                R"({"state": "{{run.state}}", "reason": "{{run.failure_reason or ''}}"})")}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);

  auto requests = receiver.WaitForRequests(1, std::chrono::seconds(5));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Json::parse(requests[0].body), (Json{{"state", "failed"}, {"reason", "crashed"}}));
  Json crashed = server.Get(path).json["run"];
  EXPECT_EQ(crashed["state"], "failed");
  EXPECT_EQ(crashed["failure_reason"], "crashed");
  EXPECT_TRUE(crashed["crashed_at"].is_string());

  // The network came back: history makes the run running again, recording both.
  ASSERT_EQ(server.Post(path + "/history", History(0, {{"loss", 0.5}})).status, 200);
  Json recovered = server.Get(path).json["run"];
  EXPECT_EQ(recovered["state"], "running");
  EXPECT_TRUE(recovered["recovered_at"].is_string());
  ASSERT_EQ(recovered["state_history"].size(), 2u);
  EXPECT_EQ(recovered["state_history"][0]["event"], "crashed");
  EXPECT_EQ(recovered["state_history"][1]["event"], "recovered");

  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  requests = receiver.WaitForRequests(2, std::chrono::seconds(5));
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Json::parse(requests[1].body), (Json{{"state", "finished"}, {"reason", ""}}));
}

TEST(RunLifecycle, BeatingRunIsNotCrashed) {
  TestServer server(
      [](ServerOptions& options) { options.heartbeat_timeout = std::chrono::milliseconds(1000); });
  Json run = server.CreateRun(RunBody("", {}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  // Beat every 100 ms for 2.5 s (2.5 timeouts); the run must stay running throughout.
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
  bool stayed_running = true;
  while (std::chrono::steady_clock::now() < end) {
    Json beat = server.Post(path + "/heartbeat", "").json;
    stayed_running = stayed_running && beat["state"] == "running";
    ObserveFor(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(stayed_running);
  EXPECT_EQ(server.Get(path).json["run"]["state"], "running");
}

TEST(RunLifecycle, ResumeFollowsAllowMustNever) {
  Receiver receiver;
  TestServer server;
  // must on an unknown id: 404.
  Json must = RunBody("r1", {});
  must["resume"] = "must";
  HttpAnswer missing = server.Post("/api/v1/runs", must);
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.json["error"]["message"].get<std::string>(),
              HasSubstr("resume=\"must\" needs an existing run"));

  // allow on an unknown id creates it.
  Json allow = RunBody("r1", {Hook("events", {"running", "resumed", "finished"}, receiver.Url("/e"),
                                   R"({"event": "{{event.type}}"})")});
  allow["resume"] = "allow";
  allow["config"] = {{"lr", 0.1}, {"epochs", 3}};
  HttpAnswer created = server.Post("/api/v1/runs", allow);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = TestServer::RunPath(created.json["run"]);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  ASSERT_EQ(server.Post(path + "/history", History(4, {{"loss", 0.3}})).status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  // never (and absent) on an existing id: 409.
  Json never = RunBody("r1", {});
  never["resume"] = "never";
  HttpAnswer conflict = server.Post("/api/v1/runs", never);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_THAT(conflict.json["error"]["message"].get<std::string>(),
              HasSubstr("pass resume=\"allow\" or \"must\""));
  EXPECT_EQ(server.Post("/api/v1/runs", RunBody("r1", {})).status, 409);

  // must on the existing run: 200, config merged, hooks added, history kept.
  Json resume = RunBody("r1", {Hook("extra", {"finished"}, receiver.Url("/x"), "{}")});
  resume["resume"] = "must";
  resume["config"] = {{"lr", 0.01}};
  HttpAnswer resumed = server.Post("/api/v1/runs", resume);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.json["resumed"], true);
  EXPECT_EQ(resumed.json["run"]["config"], (Json{{"lr", 0.01}, {"epochs", 3}}));
  EXPECT_EQ(resumed.json["run"]["last_step"], 4);
  EXPECT_EQ(resumed.json["run"]["summary"]["loss"], 0.3);
  ASSERT_EQ(resumed.json["hooks"].size(), 2u);

  Json started = server.Post(path + "/start", "").json["run"];
  EXPECT_EQ(started["state"], "running");
  EXPECT_EQ(started["resumed_count"], 1);
  ASSERT_EQ(server.Post(path + "/history", History(5, {{"loss", 0.2}})).status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 1}}).status, 200);
  EXPECT_EQ(server.Get(path).json["run"]["state"], "failed");

  // running, finished, resumed (events hook); then extra fires on nothing (failed).
  auto requests = receiver.WaitForRequests(3);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_THAT(Bodies(requests),
              UnorderedElementsAre(Json{{"event", "running"}}, Json{{"event", "finished"}},
                                   Json{{"event", "resumed"}}));
}

TEST(RunLifecycle, AlertFiresHooksAndRepeatsAreSuppressed) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunBody(
      "",
      {Hook(
          "alerts", {"alert"}, receiver.Url("/a"),
          R"({"title": "{{alert.title}}", "text": "{{alert.text}}", "level": "{{alert.level}}"})")}));
  const std::string path = TestServer::RunPath(run);
  Json alert{
      {"title", "Loss high"}, {"text", "loss is 9"}, {"level", "WARN"}, {"wait_duration", 300}};
  HttpAnswer first = server.Post(path + "/alert", alert);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json["fired"], true);
  EXPECT_TRUE(first.json["event_id"].is_number_integer());
  HttpAnswer repeat = server.Post(path + "/alert", alert);
  EXPECT_EQ(repeat.json["fired"], false);
  HttpAnswer other = server.Post(path + "/alert", Json{{"title", "Other"}});
  EXPECT_EQ(other.json["fired"], true);

  EXPECT_EQ(server.Post(path + "/alert", Json{{"text", "no title"}}).status, 400);
  EXPECT_EQ(server.Post(path + "/alert", Json{{"title", "t"}, {"level", "LOUD"}}).status, 400);
  EXPECT_EQ(server.Post("/api/v1/runs/alice/lifecycle/nope/alert", Json{{"title", "t"}}).status,
            404);

  auto requests = receiver.WaitForRequests(2);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(
      Bodies(requests),
      UnorderedElementsAre(Json{{"title", "Loss high"}, {"text", "loss is 9"}, {"level", "WARN"}},
                           Json{{"title", "Other"}, {"text", ""}, {"level", "INFO"}}));
}

TEST(RunLifecycle, WhenFiresEachTimeTheConditionTurnsTrue) {
  Receiver receiver;
  TestServer server;
  Json hook = Hook("acc", nullptr, receiver.Url("/w"),
                   R"({"step": {{run.history.last_step}}, "acc": {{run.summary.acc}}, )"
                   R"("event": "{{event.type}}"})");
  hook["when"] = "run.summary.acc >= 0.9";
  Json run = server.CreateRun(RunBody("", {hook}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  // Crosses at step 2, stays above for 3 and 4, drops at 5, crosses again at 6 and 7 (one batch).
  const std::vector<double> values = {0.5, 0.8, 0.91, 0.95, 0.99, 0.7, 0.92, 0.93};
  for (int64_t step = 0; step < 6; ++step)
    ASSERT_EQ(server.Post(path + "/history", History(step, {{"acc", values[step]}})).status, 200);
  Json batch{{"rows",
              {{{"step", 6}, {"values", {{"acc", values[6]}}}},
               {{"step", 7}, {"values", {{"acc", values[7]}}}}}}};
  ASSERT_EQ(server.Post(path + "/history", batch).status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(2);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(Bodies(requests),
              UnorderedElementsAre(Json{{"step", 2}, {"acc", 0.91}, {"event", "when"}},
                                   Json{{"step", 6}, {"acc", 0.92}, {"event", "when"}}));
  // Nothing else arrives: the deliveries of the run are exactly those two.
  Json deliveries = server.Get(path + "/deliveries").json["deliveries"];
  EXPECT_EQ(deliveries.size(), 2u);
}

TEST(RunLifecycle, WhenSeesTheSummaryRulesOfDefinedMetrics) {
  Receiver receiver;
  TestServer server;
  Json hook = Hook("best", nullptr, receiver.Url("/b"),
                   R"({"step": {{run.history.last_step}}, "acc": {{run.summary.acc}}})");
  hook["when"] = "run.summary.acc >= 0.9";
  Json run = server.CreateRun(RunBody("", {hook}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  ASSERT_EQ(server.Put(path + "/metrics/acc", Json{{"summary", "max"}}).status, 200);
  // The summary is the best value so far: it crosses at step 1 and never drops, so the dip at
  // step 2 and the new best at step 3 fire nothing more (with "last" they would fire again).
  const std::vector<double> values = {0.5, 0.95, 0.3, 0.96};
  for (int64_t step = 0; step < static_cast<int64_t>(values.size()); ++step)
    ASSERT_EQ(server.Post(path + "/history", History(step, {{"acc", values[step]}})).status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Json::parse(requests[0].body), (Json{{"step", 1}, {"acc", 0.95}}));
  EXPECT_EQ(server.Get(path + "/deliveries").json["deliveries"].size(), 1u);
}

TEST(RunLifecycle, WhenSeesWindowedAggregates) {
  Receiver receiver;
  TestServer server;
  Json hook =
      Hook("converged", nullptr, receiver.Url("/c"), R"({"step": {{run.history.last_step}}})");
  hook["when"] = "run.history.recent.loss|length >= 3 and run.history.recent.loss[-3:]|max < 0.1";
  Json run = server.CreateRun(RunBody("", {hook}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  const std::vector<double> losses = {0.5, 0.09, 0.08, 0.2, 0.05, 0.04, 0.03};
  for (int64_t step = 0; step < static_cast<int64_t>(losses.size()); ++step)
    ASSERT_EQ(server.Post(path + "/history", History(step, {{"loss", losses[step]}})).status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Json::parse(requests[0].body), (Json{{"step", 6}}));
  EXPECT_EQ(server.Get(path + "/deliveries").json["deliveries"].size(), 1u);
}

TEST(RunLifecycle, BadWhenIsRefusedNamingHookFieldAndColumn) {
  TestServer server;
  Json hook = Hook("acc", nullptr, "https://example.com/", "");
  hook["when"] = "run.summary.acc >=";
  HttpAnswer answer = server.Post("/api/v1/runs", RunBody("", {hook}));
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.json["error"]["message"].get<std::string>(),
              HasSubstr("hook 'acc' field 'when': line 1, column "));
}

TEST(RunLifecycle, EveryHookIsSentPeriodicallyWhileRunning) {
  Receiver receiver;
  TestServer server;
  Json hook = Hook("progress", {"running"}, receiver.Url("/p"),
                   R"({"event": "{{event.type}}", "loss": {{run.summary.loss|default(0)}}})");
  hook["every"] = "200ms";
  Json run = server.CreateRun(RunBody("", {hook}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  ASSERT_EQ(server.Post(path + "/history", History(0, {{"loss", 0.25}})).status, 200);
  // The start fires once, then the period: at least two periodic sends with the summary.
  auto requests = receiver.WaitForRequests(3, std::chrono::seconds(5));
  ASSERT_GE(requests.size(), 3u);
  EXPECT_EQ(Json::parse(requests[2].body), (Json{{"event", "running"}, {"loss", 0.25}}));
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  // After the finish, nothing more is scheduled.
  const size_t at_finish = server.Get(path + "/deliveries").json["deliveries"].size();
  ObserveFor(std::chrono::milliseconds(600));
  EXPECT_EQ(server.Get(path + "/deliveries").json["deliveries"].size(), at_finish);
}

}  // namespace
}  // namespace runhook::server::testing
