// Request bodies parsed into plain structs, and the error mapping.
#include <gtest/gtest.h>

#include "server/json_errors.h"
#include "server/request_parsing.h"

namespace runhook::server {
namespace {

TEST(RequestParsing, EmptyBodyIsAnEmptyObject) {
  auto json = ParseJsonObject("  \n");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, Json::object());
}

TEST(RequestParsing, CreateDefaultsTheEntityAndLeavesIdAndNameToTheServer) {
  auto request = ParseCreateRunRequest(Json::parse(R"({"project": "demo", "tags": ["a"],
      "config": {"lr": 1.0}, "hooks": [{"run_state": "finished", "url": "http://x"}]})"));
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->run.key.entity, kDefaultEntity);
  EXPECT_EQ(request->run.key.id, "");
  EXPECT_EQ(request->run.name, "");
  EXPECT_EQ(request->run.tags, std::vector<std::string>{"a"});
  EXPECT_EQ(request->run.config.dump(), R"({"lr":1.0})");
  ASSERT_EQ(request->hooks.size(), 1u);
  EXPECT_EQ(request->hooks[0].run_states, std::vector<std::string>{"finished"});
}

TEST(RequestParsing, HookOfTheWrongTypeNamesItsPosition) {
  auto request = ParseCreateRunRequest(Json::parse(R"({"project": "demo", "hooks": [3]})"));
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error().message, "hook #1: must be an object");
}

TEST(RequestParsing, HistoryRowsNeedIntegerStepsAndObjectValues) {
  auto batch = ParseHistoryBatch(
      Json::parse(R"({"batch_id": "b", "rows": [{"step": 2, "values": {"x": 1}}]})"));
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->batch_id, "b");
  EXPECT_EQ(batch->rows[0].step, 2);
  auto float_step = ParseHistoryBatch(Json::parse(R"({"rows": [{"step": 1.5, "values": {}}]})"));
  ASSERT_FALSE(float_step.ok());
  EXPECT_EQ(float_step.error().message, "field 'rows[0].step': must be an integer >= 0");
}

TEST(RequestParsing, FinishDefaultsToExitCodeZero) {
  auto finish = ParseFinishRequest(Json::object());
  ASSERT_TRUE(finish.ok());
  EXPECT_EQ(finish->exit_code, 0);
  EXPECT_TRUE(finish->error.is_null());
  EXPECT_FALSE(ParseFinishRequest(Json{{"exit_code", 1ll << 40}}).ok());
}

TEST(RequestParsing, RunKeyPartsAreChecked) {
  EXPECT_TRUE(ParseRunKey("alice", "demo", "abc-1").ok());
  EXPECT_EQ(ParseRunKey("alice", "demo", "a b").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseRunKey(".x", "demo", "abc").error().code, ErrorCode::kInvalidArgument);
}

TEST(JsonErrors, StatusAndCodeFollowTheErrorCode) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
  EXPECT_EQ(ErrorCodeNameForStatus(413), "too_large");
  EXPECT_EQ(ErrorJson(MakeError(ErrorCode::kConflict, "taken")).dump(),
            R"({"error":{"code":"conflict","message":"taken"}})");
}

}  // namespace
}  // namespace runhook::server
