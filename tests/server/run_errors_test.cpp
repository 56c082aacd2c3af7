// Every bad request gets a JSON error with the right status and a message naming the cause,
// and changes nothing that is stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::server::testing {
namespace {

using ::testing::HasSubstr;

Json ValidBody() {
  return Json::parse(R"({"entity": "alice", "project": "errors",
    "hooks": [{"name": "notify", "run_state": ["finished"], "url": "https://example.com/recv",
               "body": "{\"run_id\": \"{{run.id}}\"}"}]})");
}

// Expects {"error": {"code": code, "message": ...containing `fragment`}} with `status`.
void ExpectError(const HttpAnswer& answer, int status, const std::string& code,
                 const std::string& fragment) {
  EXPECT_EQ(answer.status, status) << answer.body;
  EXPECT_THAT(answer.content_type, HasSubstr("application/json"));
  ASSERT_TRUE(answer.json.is_object()) << answer.body;
  EXPECT_EQ(answer.json["error"]["code"], code) << answer.body;
  EXPECT_THAT(answer.json["error"]["message"].get<std::string>(), HasSubstr(fragment));
}

Json WithHookField(const std::string& field, const Json& value) {
  Json body = ValidBody();
  body["hooks"][0][field] = value;
  return body;
}

TEST(RunErrors, MalformedJsonIs400) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", std::string("{\"project\": ")), 400, "invalid_argument",
              "request body is not valid JSON");
}

TEST(RunErrors, NonObjectBodyIs400) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", std::string("[1, 2]")), 400, "invalid_argument",
              "must be a JSON object");
}

TEST(RunErrors, MissingProjectIs400) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", Json{{"entity", "alice"}}), 400, "invalid_argument",
              "field 'project': is required");
}

TEST(RunErrors, WrongFieldTypesAre400NamingTheField) {
  TestServer server;
  Json body = ValidBody();
  body["config"] = "lr=0.1";
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument", "field 'config'");
  body = ValidBody();
  body["tags"] = {1, 2};
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument", "field 'tags'");
  body = ValidBody();
  body["name"] = 7;
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument", "field 'name'");
}

TEST(RunErrors, InvalidIdsAndNamesAre400) {
  TestServer server;
  Json body = ValidBody();
  body["id"] = "has space";
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument", "field 'id'");
  body = ValidBody();
  body["project"] = "a/b";
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument", "field 'project'");
}

TEST(RunErrors, UnknownHookStateIs400NamingHookAndField) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", WithHookField("run_state", {"done"})), 400,
              "invalid_argument", "hook 'notify' field 'run_state': unknown state 'done'");
}

TEST(RunErrors, UnsupportedHookMethodIs400) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", WithHookField("method", "FETCH")), 400,
              "invalid_argument", "hook 'notify' field 'method': unsupported method 'FETCH'");
}

TEST(RunErrors, NonHttpHookUrlIs400) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", WithHookField("url", "ftp://example.com/x")), 400,
              "invalid_argument", "hook 'notify' field 'url'");
}

TEST(RunErrors, BadBodyTemplateIs400WithLineAndColumn) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", WithHookField("body", "{\n  \"id\": \"{{ run.id }\"\n}")),
              400, "invalid_argument", "hook 'notify' field 'body': line 2, column ");
}

TEST(RunErrors, BadHeaderTemplateIs400NamingTheHeader) {
  TestServer server;
  ExpectError(server.Post("/api/v1/runs", WithHookField("headers", {{"X-Run", "{% if %}"}})), 400,
              "invalid_argument", "hook 'notify' field 'headers.X-Run': line 1, column ");
}

TEST(RunErrors, BadUrlTemplateIs400) {
  TestServer server;
  ExpectError(
      server.Post("/api/v1/runs", WithHookField("url", "https://example.com/?id={{ run.id ")), 400,
      "invalid_argument", "hook 'notify' field 'url': line 1, column ");
}

TEST(RunErrors, DuplicateHookNamesAre400) {
  TestServer server;
  Json body = ValidBody();
  body["hooks"].push_back(body["hooks"][0]);
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument", "declared twice");
}

TEST(RunErrors, NothingIsStoredAfterARejectedCreate) {
  TestServer server;
  Json body = WithHookField("body", "{{ run.id ");
  body["id"] = "kept-out";
  ASSERT_EQ(server.Post("/api/v1/runs", body).status, 400);
  ExpectError(server.Get("/api/v1/runs/alice/errors/kept-out"), 404, "not_found",
              "run 'alice/errors/kept-out' not found");
  Json good = ValidBody();
  good["id"] = "kept-out";
  EXPECT_EQ(server.Post("/api/v1/runs", good).status, 201);
}

TEST(RunErrors, DuplicateRunIdIs409) {
  TestServer server;
  Json body = ValidBody();
  body["id"] = "twice";
  ASSERT_EQ(server.Post("/api/v1/runs", body).status, 201);
  ExpectError(server.Post("/api/v1/runs", body), 409, "conflict",
              "run alice/errors/twice already exists; pass resume=\"allow\" or \"must\"");
}

TEST(RunErrors, UnknownRunIs404OnEveryRunRoute) {
  TestServer server;
  const std::string path = "/api/v1/runs/alice/errors/nobody";
  const std::string message = "run 'alice/errors/nobody' not found";
  ExpectError(server.Get(path), 404, "not_found", message);
  ExpectError(server.Post(path + "/start", ""), 404, "not_found", message);
  ExpectError(server.Post(path + "/finish", Json{{"exit_code", 0}}), 404, "not_found", message);
  ExpectError(server.Post(path + "/heartbeat", ""), 404, "not_found", message);
  ExpectError(server.Post(path + "/history", Json::parse(R"({"rows": []})")), 404, "not_found",
              message);
  ExpectError(server.Get(path + "/history"), 404, "not_found", message);
  ExpectError(server.Get(path + "/deliveries"), 404, "not_found", message);
}

TEST(RunErrors, InvalidEntityInPathIs400) {
  TestServer server;
  ExpectError(server.Get("/api/v1/runs/.hidden/errors/abc"), 400, "invalid_argument",
              "entity '.hidden' is not valid");
}

TEST(RunErrors, HistoryOnAFinishedRunIs409) {
  TestServer server;
  Json run = server.CreateRun(ValidBody());
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);
  ExpectError(server.Post(path + "/history",
                          Json::parse(R"({"rows": [{"step": 0, "values": {"loss": 1}}]})")),
              409, "conflict", "is already finished");
}

TEST(RunErrors, StartingAFailedRunResumesIt) {
  TestServer server;
  Json run = server.CreateRun(ValidBody());
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 1}}).status, 200);
  HttpAnswer started = server.Post(path + "/start", "");
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.json["run"]["state"], "running");
  EXPECT_EQ(started.json["run"]["resumed_count"], 1);
}

TEST(RunErrors, EntityApiIsReservedAndApiPathsNeverGetAPage) {
  TestServer server;
  Json body = ValidBody();
  body["entity"] = "api";
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument",
              "field 'entity': 'api' is reserved");
  // Four segments under /api/ look like a run page's path but are an unknown API path.
  ExpectError(server.Get("/api/v1/runs/abc"), 404, "not_found",
              "no route for GET /api/v1/runs/abc");
}

TEST(RunErrors, UnknownResumeModeIs400) {
  TestServer server;
  Json body = ValidBody();
  body["resume"] = "sometimes";
  ExpectError(server.Post("/api/v1/runs", body), 400, "invalid_argument",
              "unknown value 'sometimes' (use allow, must or never)");
}

TEST(RunErrors, BadHistoryRowsAre400NamingTheRow) {
  TestServer server;
  Json run = server.CreateRun(ValidBody());
  const std::string path = TestServer::RunPath(run);
  ExpectError(server.Post(path + "/history", Json::object()), 400, "invalid_argument",
              "field 'rows': is required");
  ExpectError(
      server.Post(
          path + "/history",
          Json::parse(R"({"rows": [{"step": 0, "values": {}}, {"step": -1, "values": {}}]})")),
      400, "invalid_argument", "field 'rows[1].step'");
  ExpectError(
      server.Post(path + "/history", Json::parse(R"({"rows": [{"step": 0, "values": 3}]})")), 400,
      "invalid_argument", "field 'rows[0].values'");
}

TEST(RunErrors, BadFinishBodyIs400) {
  TestServer server;
  Json run = server.CreateRun(ValidBody());
  const std::string path = TestServer::RunPath(run);
  ExpectError(server.Post(path + "/finish", Json{{"exit_code", "1"}}), 400, "invalid_argument",
              "field 'exit_code'");
  ExpectError(server.Post(path + "/finish", Json{{"exit_code", 1}, {"reason", "bored"}}), 400,
              "invalid_argument", "field 'reason'");
  EXPECT_EQ(server.Get(path).json["run"]["state"], "created");
}

TEST(RunErrors, BadQueryParametersAre400) {
  TestServer server;
  Json run = server.CreateRun(ValidBody());
  const std::string path = TestServer::RunPath(run);
  ExpectError(server.Get(path + "/history?limit=abc"), 400, "invalid_argument",
              "query parameter 'limit'");
  ExpectError(server.Get("/api/v1/deliveries?state=lost"), 400, "invalid_argument",
              "query parameter 'state': unknown state 'lost'");
}

TEST(RunErrors, UnknownDeliveryIs404) {
  TestServer server;
  ExpectError(server.Get("/api/v1/deliveries/424242"), 404, "not_found", "delivery 424242");
}

TEST(RunErrors, UnknownRouteIs404Json) {
  TestServer server;
  ExpectError(server.Get("/api/v1/nothing-here"), 404, "not_found",
              "no route for GET /api/v1/nothing-here");
}

TEST(RunErrors, BodyOverTheLimitIs413) {
  TestServer server([](ServerOptions& options) { options.max_request_bytes = 1024; });
  Json body = ValidBody();
  body["notes"] = std::string(4096, 'x');
  ExpectError(server.Post("/api/v1/runs", body), 413, "too_large", "limit of 1024 bytes");
}

}  // namespace
}  // namespace runhook::server::testing
