// The operator API against a real server and receiver: stored secrets (never answered, usable
// as {{ secrets.NAME }}, masked in everything shown), redelivery, and hook tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/secret_masking.h"
#include "test_support.h"

namespace runhook::server::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPlanted[] = "pl4nted-S3cret-value-7Qx9";

Json Hook(const std::string& name, const std::string& url, const std::string& body,
          const Json& extra = Json::object()) {
  Json hook = {{"name", name}, {"run_state", {"finished"}}, {"url", url}, {"body", body}};
  hook.update(extra);
  return hook;
}

Json RunWith(const Json& hook) {
  return Json{{"entity", "alice"}, {"project", "ops"}, {"hooks", Json::array({hook})}};
}

// The run's only delivery once `predicate` holds for it (or the last one seen).
Json WaitForDelivery(TestServer& server, const std::string& run_path,
                     const std::function<bool(const Json&)>& predicate) {
  Json delivery;
  WaitFor([&] {
    Json list = server.Get(run_path + "/deliveries").json["deliveries"];
    if (list.size() != 1) return false;
    delivery = list[0];
    return predicate(delivery);
  });
  return delivery;
}

std::string Header(const ReceivedRequest& request, const std::string& name) {
  auto found = request.headers.find(name);
  return found == request.headers.end() ? "" : found->second;
}

TEST(SecretsApi, StoresListsAndRemovesWithoutEverAnsweringTheValue) {
  TestServer server;
  HttpAnswer put = server.Put("/api/v1/secrets/SLACK_TOKEN", Json{{"value", kPlanted}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["secret"]["name"], "SLACK_TOKEN");
  EXPECT_TRUE(put.json["secret"]["updated_at"].is_string());
  EXPECT_THAT(put.body, Not(HasSubstr(kPlanted)));

  ASSERT_EQ(server.Put("/api/v1/secrets/API_KEY", Json{{"value", "other"}}).status, 200);
  HttpAnswer list = server.Get("/api/v1/secrets");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json["secrets"].size(), 2u);
  EXPECT_EQ(list.json["secrets"][0]["name"], "API_KEY");
  EXPECT_EQ(list.json["secrets"][1]["name"], "SLACK_TOKEN");
  EXPECT_THAT(list.body, Not(HasSubstr(kPlanted)));

  EXPECT_EQ(server.Delete("/api/v1/secrets/SLACK_TOKEN").status, 200);
  HttpAnswer again = server.Delete("/api/v1/secrets/SLACK_TOKEN");
  EXPECT_EQ(again.status, 404);
  EXPECT_THAT(again.body, HasSubstr("SLACK_TOKEN"));
  EXPECT_EQ(server.Get("/api/v1/secrets").json["secrets"].size(), 1u);
}

TEST(SecretsApi, RefusesBadNamesAndValues) {
  TestServer server;
  HttpAnswer digit = server.Put("/api/v1/secrets/1TOKEN", Json{{"value", "x"}});
  EXPECT_EQ(digit.status, 400);
  EXPECT_THAT(digit.body, HasSubstr("1TOKEN"));
  EXPECT_EQ(server.Put("/api/v1/secrets/has-dash", Json{{"value", "x"}}).status, 400);
  HttpAnswer missing = server.Put("/api/v1/secrets/TOKEN", Json::object());
  EXPECT_EQ(missing.status, 400);
  EXPECT_THAT(missing.body, HasSubstr("value"));
  EXPECT_EQ(server.Put("/api/v1/secrets/TOKEN", Json{{"value", 5}}).status, 400);
  EXPECT_EQ(server.Get("/api/v1/secrets").json["secrets"].size(), 0u);
}

TEST(SecretsInTemplates, ReachTheReceiverButAreMaskedInEverythingShown) {
  Receiver receiver;
  TestServer server;
  ASSERT_EQ(server.Put("/api/v1/secrets/TOKEN", Json{{"value", kPlanted}}).status, 200);
  Json run = server.CreateRun(
      RunWith(Hook("notify", receiver.Url("/hook?token={{ secrets.TOKEN }}"),
                   R"({"token": "{{ secrets.TOKEN }}", "run": "{{ run.id }}"})",
                   {{"headers", {{"Authorization", "Bearer {{ secrets.TOKEN }}"}}}})));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].params.find("token")->second, kPlanted);
  EXPECT_EQ(Header(requests[0], "Authorization"), std::string("Bearer ") + kPlanted);
  EXPECT_THAT(requests[0].body, HasSubstr(kPlanted));

  Json delivery =
      WaitForDelivery(server, path, [](const Json& d) { return d["state"] == "delivered"; });
  EXPECT_EQ(delivery["url"], receiver.Url("/hook?token=***"));
  EXPECT_EQ(delivery["headers"]["Authorization"], "Bearer ***");
  EXPECT_THAT(delivery["body"].get<std::string>(), HasSubstr(R"("token": "***")"));

  // Deleting the secret does not uncover it: the masked request was stored at the event.
  ASSERT_EQ(server.Delete("/api/v1/secrets/TOKEN").status, 200);
  const std::string id = delivery["id"].dump();
  for (const std::string& shown :
       {server.Get(path + "/deliveries").body, server.Get("/api/v1/deliveries").body,
        server.Get("/api/v1/deliveries/" + id).body, server.Get(path).body,
        server.Get("/alice/ops/runs/" + run["id"].get<std::string>()).body})
    EXPECT_THAT(shown, Not(HasSubstr(kPlanted)));
}

TEST(SecretsInTemplates, AJsonEscapedValueIsMaskedToo) {
  const SecretMasker masker(std::map<std::string, std::string>{{"QUOTED", "a\"b\\c-long-enough"}});
  EXPECT_EQ(masker.Mask(R"({"v": "a\"b\\c-long-enough"})"), R"({"v": "***"})");
  EXPECT_EQ(masker.Mask("x=a%22b%5Cc-long-enough"), "x=***");
  EXPECT_EQ(masker.Mask("nothing here"), "nothing here");
}

TEST(Redeliver, ADeadDeliveryGetsANewAttemptWithTheSameWebhookIdAndBody) {
  Receiver receiver(500);
  TestServer server;
  Json run = server.CreateRun(RunWith(
      Hook("notify", receiver.Url("/r"), R"({"run": "{{ run.id }}"})", {{"max_attempts", 1}})));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  Json dead = WaitForDelivery(server, path, [](const Json& d) { return d["state"] == "dead"; });
  ASSERT_EQ(dead["state"], "dead");
  ASSERT_EQ(dead["attempts"].size(), 1u);

  const std::string id = dead["id"].dump();
  HttpAnswer redelivered = server.Post("/api/v1/deliveries/" + id + "/redeliver", "");
  ASSERT_EQ(redelivered.status, 200) << redelivered.body;
  EXPECT_EQ(redelivered.json["delivery"]["state"], "pending");
  EXPECT_EQ(redelivered.json["delivery"]["attempts"].size(), 1u);

  Json after = WaitForDelivery(server, path, [](const Json& d) {
    return d["attempts"].size() == 2 && d["state"] != "pending";
  });
  ASSERT_EQ(after["attempts"].size(), 2u);
  EXPECT_EQ(after["attempts"][1]["number"], 2);
  EXPECT_EQ(after["attempts"][1]["status_code"], 500);
  EXPECT_EQ(after["state"], "dead");
  EXPECT_EQ(after["webhook_id"], dead["webhook_id"]);

  auto requests = receiver.WaitForRequests(2);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Header(requests[0], "webhook-id"), dead["webhook_id"]);
  EXPECT_EQ(Header(requests[1], "webhook-id"), dead["webhook_id"]);
  EXPECT_EQ(requests[1].body, requests[0].body);
}

TEST(Redeliver, ADeliveredDeliveryIsSentAgain) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunWith(Hook("notify", receiver.Url("/r"), "hello")));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  Json delivered =
      WaitForDelivery(server, path, [](const Json& d) { return d["state"] == "delivered"; });
  ASSERT_EQ(server.Post("/api/v1/deliveries/" + delivered["id"].dump() + "/redeliver", "").status,
            200);
  Json again = WaitForDelivery(server, path, [](const Json& d) {
    return d["state"] == "delivered" && d["attempts"].size() == 2;
  });
  EXPECT_EQ(again["attempts"].size(), 2u);
  EXPECT_EQ(receiver.WaitForRequests(2).size(), 2u);
}

TEST(Redeliver, UnknownAndUnrenderedDeliveriesAreRefused) {
  TestServer server;
  HttpAnswer unknown = server.Post("/api/v1/deliveries/999/redeliver", "");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("999"));

  Json run = server.CreateRun(
      RunWith(Hook("broken", "http://127.0.0.1:1/x", "{{ run.missing }}", {{"strict", true}})));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  Json failed = server.Get(path + "/deliveries").json["deliveries"][0];
  ASSERT_EQ(failed["state"], "failed");
  HttpAnswer refused = server.Post("/api/v1/deliveries/" + failed["id"].dump() + "/redeliver", "");
  EXPECT_EQ(refused.status, 409);
  EXPECT_THAT(refused.body, HasSubstr("failed to render"));
}

TEST(HooksTest, RendersTheHookAgainstTheRunAsItStandsAndSendsItOnceMarkedTest) {
  Receiver receiver;
  TestServer server;
  Json run = server.CreateRun(RunWith(Hook(
      "notify", receiver.Url("/t"),
      R"({"event": "{{ event.type }}", "state": "{{ run.state }}", "loss": {{ run.summary.loss }}})")));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/start", "").status, 200);
  ASSERT_EQ(
      server.Post(path + "/history", Json{{"rows", {{{"step", 0}, {"values", {{"loss", 0.5}}}}}}})
          .status,
      200);

  HttpAnswer tested = server.Post(path + "/hooks/notify/test", "");
  ASSERT_EQ(tested.status, 201) << tested.body;
  EXPECT_EQ(tested.json["delivery"]["test"], true);
  EXPECT_EQ(tested.json["delivery"]["event"], "test");
  EXPECT_EQ(tested.json["delivery"]["max_attempts"], 1);

  auto requests = receiver.WaitForRequests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, R"({"event": "test", "state": "running", "loss": 0.5})");
  EXPECT_EQ(Header(requests[0], "webhook-id"), tested.json["delivery"]["webhook_id"]);

  Json delivery =
      WaitForDelivery(server, path, [](const Json& d) { return d["state"] == "delivered"; });
  EXPECT_EQ(delivery["test"], true);
  EXPECT_EQ(server.Get(path).json["run"]["state"], "running");  // the run is unchanged
}

TEST(HooksTest, UnknownRunOrHookIsNotFound) {
  TestServer server;
  Json run = server.CreateRun(RunWith(Hook("notify", "http://127.0.0.1:1/x", "")));
  const std::string path = TestServer::RunPath(run);
  HttpAnswer no_hook = server.Post(path + "/hooks/nope/test", "");
  EXPECT_EQ(no_hook.status, 404);
  EXPECT_THAT(no_hook.body, HasSubstr("'nope'"));
  EXPECT_THAT(no_hook.body, HasSubstr("notify"));
  EXPECT_EQ(server.Post("/api/v1/runs/alice/ops/missing/hooks/notify/test", "").status, 404);
}

}  // namespace
}  // namespace runhook::server::testing
