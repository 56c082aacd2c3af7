// The fast path for history bodies reads exactly what the general JSON path reads, and declines
// whatever it does not handle.
#include "server/history_batch_scanner.h"

#include <gtest/gtest.h>

#include <string>

namespace runhook::server {
namespace {

// The batch the general path (DOM parse + ParseHistoryBatch) reads from `body`.
HistoryBatch ParsedTheGeneralWay(const std::string& body) {
  Result<Json> json = ParseJsonObject(body);
  EXPECT_TRUE(json.ok()) << body;
  Result<HistoryBatch> batch = ParseHistoryBatch(*json);
  EXPECT_TRUE(batch.ok()) << body;
  return *batch;
}

void ExpectSameAsGeneralPath(const std::string& body) {
  std::optional<HistoryBatch> scanned = ScanHistoryBatch(body);
  ASSERT_TRUE(scanned.has_value()) << "declined: " << body;
  HistoryBatch expected = ParsedTheGeneralWay(body);
  EXPECT_EQ(scanned->batch_id, expected.batch_id) << body;
  ASSERT_EQ(scanned->rows.size(), expected.rows.size()) << body;
  for (size_t index = 0; index < expected.rows.size(); ++index) {
    EXPECT_EQ(scanned->rows[index].step, expected.rows[index].step) << body;
    // Same keys in the same order, same values and the same JSON number types.
    EXPECT_EQ(scanned->rows[index].values.dump(), expected.rows[index].values.dump()) << body;
    EXPECT_EQ(scanned->rows[index].values, expected.rows[index].values) << body;
    for (const auto& [key, value] : expected.rows[index].values.items())
      EXPECT_EQ(scanned->rows[index].values[key].type(), value.type()) << body << " key " << key;
  }
}

TEST(HistoryBatchScanner, ReadsWhatTheGeneralParserReads) {
  ExpectSameAsGeneralPath(R"({"batch_id":"b-1","rows":[{"step":0,"values":{"loss":0.5,"epoch":0}},)"
                          R"({"step":1,"values":{"loss":0.25,"epoch":1}}]})");
  ExpectSameAsGeneralPath(
      " {\n \"rows\" : [ { \"values\" : { \"a\" : -3 , \"b\" : 1e-7 , \"c\" : 2.5E+3 } ,"
      " \"step\" : 9223372036854775807 } ] , \"batch_id\" : \"x\" } \n");
  ExpectSameAsGeneralPath(
      R"({"rows":[{"step":3,"values":{"flag":true,"off":false,"none":null,"name":"resnet 50",)"
      R"("big":18446744073709551615,"negative":-9223372036854775808,"zero":-0,"tiny":0.1}}]})");
  ExpectSameAsGeneralPath(R"({"rows":[]})");
  ExpectSameAsGeneralPath(R"({"rows":[{"step":0,"values":{}}],"batch_id":""})");
}

TEST(HistoryBatchScanner, DeclinesWhatItDoesNotHandle) {
  for (const char* body : {
           "",
           "[]",
           R"({"batch_id":"b"})",                                           // no rows
           R"({"rows":[{"step":1,"values":{"a":{"nested":1}}}]})",          // nested object
           R"({"rows":[{"step":1,"values":{"a":[1,2]}}]})",                 // list
           R"({"rows":[{"step":1,"values":{"a\u0041":1}}]})",               // escape
           "{\"rows\":[{\"step\":1,\"values\":{\"caf\xc3\xa9\":1}}]}",      // non-ASCII
           R"({"rows":[{"step":1,"values":{"a":1,"a":2}}]})",               // duplicate key
           R"({"rows":[{"step":1,"step":2,"values":{}}]})",                 // duplicate step
           R"({"rows":[{"step":1.5,"values":{}}]})",                        // fractional step
           R"({"rows":[{"step":-1,"values":{}}]})",                         // negative step
           R"({"rows":[{"step":9223372036854775808,"values":{}}]})",        // step out of range
           R"({"rows":[{"step":01,"values":{}}]})",                         // leading zero
           R"({"rows":[{"step":1,"values":{"a":18446744073709551616}}]})",  // a float in JSON
           R"({"rows":[{"step":1,"values":{"a":1e999}}]})",                 // overflows
           R"({"rows":[{"step":1,"values":{"a":.5}}]})",                    // not JSON
           R"({"rows":[{"step":1,"values":{"a":1}}]} trailing)",
           R"({"rows":[{"step":1,"values":{"a":1},"extra":0}]})",  // unknown row key
           R"({"rows":[],"other":1})",                             // unknown top-level key
           R"({"rows":[{"step":1}]})",                             // no values
       }) {
    EXPECT_FALSE(ScanHistoryBatch(body).has_value()) << body;
  }
}

TEST(HistoryBatchScanner, BodyParserFallsBackToTheGeneralPathAndItsErrors) {
  auto nested = ParseHistoryBatchBody(R"({"rows":[{"step":4,"values":{"a":{"b":[1]}}}]})");
  ASSERT_TRUE(nested.ok()) << nested.error().message;
  EXPECT_EQ(nested->rows[0].values.dump(), R"({"a":{"b":[1]}})");
  auto float_step = ParseHistoryBatchBody(R"({"rows": [{"step": 1.5, "values": {}}]})");
  ASSERT_FALSE(float_step.ok());
  EXPECT_EQ(float_step.error().message, "field 'rows[0].step': must be an integer >= 0");
  auto broken = ParseHistoryBatchBody(R"({"rows": [)");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("request body is not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace runhook::server
