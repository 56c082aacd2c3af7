// Hooks fire at the right events and reach a real receiver with the body rendered once, from
// the run as it stood at the event.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::server::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kSeedBody[] =
    R"({"event": "wandb_run_finished", "run_id": "{{run.id}}", "project": "{{run.project.name}}", "run_url": "{{run.url}}"})";

Json Hook(const std::string& name, const std::string& state, const std::string& url,
          const std::string& body, const std::string& method = "POST") {
  return Json{
      {"name", name}, {"run_state", {state}}, {"url", url}, {"method", method}, {"body", body}};
}

Json RunWithHooks(const std::vector<Json>& hooks) {
  return Json{{"entity", "alice"}, {"project", "webhook-demo"}, {"hooks", Json(hooks)}};
}

// The run's deliveries once `predicate` holds for them, or the last list seen.
Json WaitForDeliveries(TestServer& server, const std::string& run_path,
                       const std::function<bool(const Json&)>& predicate) {
  Json deliveries;
  WaitFor([&] {
    deliveries = server.Get(run_path + "/deliveries").json["deliveries"];
    return predicate(deliveries);
  });
  return deliveries;
}

TEST(WebhookDelivery, FinishedHookPostsTheSeedBodyWithTheRealRun) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(
      RunWithHooks({Hook("seed", "finished", receiver.Url("/my-webhook-receiver"), kSeedBody)}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  const std::string id = run["id"];
  const std::string url = server.public_url() + "/alice/webhook-demo/runs/" + id;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/my-webhook-receiver");
  EXPECT_EQ(request.body, R"({"event": "wandb_run_finished", "run_id": ")" + id +
                              R"(", "project": "webhook-demo", "run_url": ")" + url + R"("})");
  auto content_type = request.headers.find("Content-Type");
  ASSERT_NE(content_type, request.headers.end());
  EXPECT_EQ(content_type->second, "application/json");

  Json deliveries = WaitForDeliveries(server, path, [](const Json& list) {
    return list.size() == 1 && list[0]["state"] == "delivered";
  });
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0]["state"], "delivered");
  ASSERT_GE(deliveries[0]["attempts"].size(), 1u);
  EXPECT_EQ(deliveries[0]["attempts"][0]["status_code"], 200);
  EXPECT_EQ(deliveries[0]["undefined"], Json::array());
}

TEST(WebhookDelivery, GetHookCarriesTheRenderedQueryString) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunWithHooks(
      {Hook("ping", "finished", receiver.Url("/log_event?event=run_finished&run_id={{run.id}}"), "",
            "GET")}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/log_event");
  auto param = [&](const std::string& key) {
    auto it = requests[0].params.find(key);
    return it == requests[0].params.end() ? std::string("(absent)") : it->second;
  };
  EXPECT_EQ(param("event"), "run_finished");
  EXPECT_EQ(param("run_id"), run["id"].get<std::string>());
}

TEST(WebhookDelivery, NonZeroExitFiresFailedAndNotFinished) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunWithHooks(
      {Hook("on-finish", "finished", receiver.Url("/finished"), R"({"event": "finished"})"),
       Hook("on-fail", "failed", receiver.Url("/failed"),
            R"({"event": "failed", "exit_code": {{run.exit_code}}})")}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 2}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_GE(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/failed");
  EXPECT_EQ(requests[0].body, R"({"event": "failed", "exit_code": 2})");
  // Deliveries are committed with the event, so the log is complete already.
  Json deliveries = server.Get(path + "/deliveries").json["deliveries"];
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0]["event"], "failed");
  EXPECT_EQ(deliveries[0]["hook"], "on-fail");
}

TEST(WebhookDelivery, CreatedAndRunningHooksFireAtCreateAndStart) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunWithHooks(
      {Hook("hello", "created", receiver.Url("/created"), "{{ run.state }}"),
       Hook("go", "running", receiver.Url("/running"), "{{ run.state }} {{ event.type }}")}));
  auto first = receiver.WaitForRequests(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].path, "/created");
  EXPECT_EQ(first[0].body, "created");

  ASSERT_EQ(server.Post(TestServer::RunPath(run) + "/start", "").status, 200);
  auto both = receiver.WaitForRequests(2);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1].path, "/running");
  EXPECT_EQ(both[1].body, "running running");
}

TEST(WebhookDelivery, BodyUsesTheSummaryAtTheEventAndTemplatedHeaders) {
  Receiver receiver;
  TestServer server;
  Json hook = Hook("accuracy", "finished", receiver.Url("/notify-accuracy"),
                   R"({"run_id": "{{run.id}}", "final_accuracy": {{run.summary.accuracy}}})");
  hook["headers"] = {{"X-Run-Id", "{{ run.id }}"}, {"X-User", "{{ run.user.name }}"}};
  Json run = server.CreateRun(RunWithHooks({hook}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server
                .Post(path + "/history", Json::parse(R"({"batch_id": "1", "rows": [
      {"step": 0, "values": {"accuracy": 0.5}}, {"step": 1, "values": {"accuracy": 0.97}}]})"))
                .status,
            200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  const std::string id = run["id"];
  EXPECT_EQ(requests[0].body, R"({"run_id": ")" + id + R"(", "final_accuracy": 0.97})");
  EXPECT_EQ(requests[0].headers.find("X-Run-Id")->second, id);
  EXPECT_EQ(requests[0].headers.find("X-User")->second, "alice");
}

TEST(WebhookDelivery, UndefinedNamesAreRecordedAndRenderEmpty) {
  Receiver receiver;
  TestServer server;
  Json run =
      server.CreateRun(RunWithHooks({Hook("lenient", "finished", receiver.Url("/x"),
                                          R"({"accuracy": "{{ run.summary.accuracy }}"})")}));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, R"({"accuracy": ""})");
  Json deliveries = server.Get(path + "/deliveries").json["deliveries"];
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0]["undefined"], Json::array({"run.summary.accuracy"}));
}

TEST(WebhookDelivery, RenderFailureIsStoredAsFailedAndNeverSent) {
  Receiver receiver;
  TestServer server;
  Json strict = Hook("strict", "finished", receiver.Url("/strict"), "{{ run.summary.accuracy }}");
  strict["strict"] = true;
  Json body =
      RunWithHooks({strict, Hook("spaced-url", "finished", "http://127.0.0.1/{{ run.notes }}", ""),
                    Hook("fine", "finished", receiver.Url("/fine"), "ok")});
  body["notes"] = "two words";
  Json run = server.CreateRun(body);
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/fine");
  Json deliveries = WaitForDeliveries(server, path, [](const Json& list) {
    for (const auto& delivery : list)
      if (delivery["state"] == "pending") return false;
    return list.size() == 3;
  });
  ASSERT_EQ(deliveries.size(), 3u);
  for (const auto& delivery : deliveries) {
    if (delivery["hook"] == "fine") continue;
    EXPECT_EQ(delivery["state"], "failed") << delivery.dump();
    EXPECT_EQ(delivery["attempts"].size(), 0u) << delivery.dump();
    const std::string error =
        delivery["error"].is_string() ? delivery["error"].get<std::string>() : "";
    if (delivery["hook"] == "strict") {
      EXPECT_THAT(error, HasSubstr("field 'body'"));
      EXPECT_THAT(error, HasSubstr("UndefinedError"));
    } else {
      EXPECT_THAT(error, HasSubstr("field 'url'"));
    }
  }
  EXPECT_EQ(receiver.Requests().size(), 1u);
}

}  // namespace
}  // namespace runhook::server::testing
