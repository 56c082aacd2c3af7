#include "cli/listen_recorder.h"

#include <gtest/gtest.h>

#include <sstream>

namespace runhook::cli {
namespace {

ReceivedWebhook SampleWebhook() {
  ReceivedWebhook webhook;
  webhook.method = "POST";
  webhook.path = "/hooks/finished";
  webhook.query = "run=abc&x=1";
  webhook.headers = {{"Content-Type", "application/json"},
                     {"webhook-id", "msg_1"},
                     {"X-Many", "a"},
                     {"X-Many", "b"}};
  webhook.body = R"({"run_id":"abc","ok":true})";
  webhook.received_at_ms = 1'700'000'000'123;
  return webhook;
}

TEST(ListenRecorder, JsonLineHoldsEveryPartOfTheRequest) {
  const Json line = Json::parse(FormatJsonLine(SampleWebhook()));
  EXPECT_EQ(line["method"], "POST");
  EXPECT_EQ(line["path"], "/hooks/finished");
  EXPECT_EQ(line["query"], "run=abc&x=1");
  EXPECT_EQ(line["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(line["headers"]["webhook-id"], "msg_1");
  EXPECT_EQ(line["headers"]["X-Many"], "a, b");
  EXPECT_EQ(line["body"], R"({"run_id":"abc","ok":true})");
  EXPECT_EQ(line["received_at"], "2023-11-14T22:13:20.123Z");
}

TEST(ListenRecorder, UncheckedSignatureIsLeftOut) {
  EXPECT_FALSE(Json::parse(FormatJsonLine(SampleWebhook())).contains("signature"));
  EXPECT_EQ(FormatForPeople(SampleWebhook()).find("signature:"), std::string::npos);
}

TEST(ListenRecorder, SignatureVerdictIsRecordedAndPrinted) {
  ReceivedWebhook webhook = SampleWebhook();
  webhook.signature_verdict = "valid";
  EXPECT_EQ(Json::parse(FormatJsonLine(webhook))["signature"], "valid");
  EXPECT_NE(FormatForPeople(webhook).find("/hooks/finished?run=abc&x=1\nsignature: valid\n"),
            std::string::npos);
  webhook.signature_verdict = "invalid: no webhook-signature header";
  EXPECT_EQ(Json::parse(FormatJsonLine(webhook))["signature"],
            "invalid: no webhook-signature header");
  EXPECT_NE(FormatForPeople(webhook).find("signature: INVALID (no webhook-signature header)\n"),
            std::string::npos);
}

TEST(ListenRecorder, JsonLineIsOneLineEvenForBinaryBodies) {
  ReceivedWebhook webhook = SampleWebhook();
  webhook.body = "line one\nline two\xFF";
  const std::string line = FormatJsonLine(webhook);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(Json::parse(line)["body"], "line one\nline two\xEF\xBF\xBD");
}

TEST(ListenRecorder, ReadableFormPrettyPrintsJsonBodies) {
  const std::string text = FormatForPeople(SampleWebhook());
  EXPECT_NE(text.find("POST /hooks/finished?run=abc&x=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("webhook-id: msg_1\n"), std::string::npos);
  EXPECT_NE(text.find("{\n  \"run_id\": \"abc\",\n  \"ok\": true\n}\n"), std::string::npos) << text;
}

TEST(ListenRecorder, ReadableFormShowsOtherBodiesAsTheyCame) {
  ReceivedWebhook webhook = SampleWebhook();
  webhook.body = "plain text";
  EXPECT_NE(FormatForPeople(webhook).find("\n\nplain text\n"), std::string::npos);
  webhook.body.clear();
  EXPECT_NE(FormatForPeople(webhook).find("(empty body)"), std::string::npos);
}

TEST(ListenRecorder, RecordWritesBothStreams) {
  std::ostringstream out, jsonl;
  ListenRecorder recorder(out, &jsonl);
  EXPECT_TRUE(recorder.Record(SampleWebhook()));
  EXPECT_TRUE(recorder.Record(SampleWebhook()));
  EXPECT_EQ(jsonl.str(), FormatJsonLine(SampleWebhook()) + FormatJsonLine(SampleWebhook()));
  EXPECT_EQ(out.str(), FormatForPeople(SampleWebhook()) + FormatForPeople(SampleWebhook()));
}

}  // namespace
}  // namespace runhook::cli
