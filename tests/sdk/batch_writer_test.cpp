// The hand-written history batch body must be the JSON the API expects, value for value.
#include "sdk/batch_writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace runhook::sdk {
namespace {

std::string WriteAll(LogBuffer& buffer, const std::string& batch_id = "b-1") {
  DrainedRows drained;
  buffer.Drain(drained);
  BatchWriter writer;
  std::string body;
  writer.Write(batch_id, drained, 0, drained.row_count, body);
  return body;
}

TEST(BatchWriter, WritesRowsWithStepsAndTypedValues) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.25}, {"epoch", 0}, {"flag", true}, {"phase", "train"}}, std::nullopt);
  buffer.Append({{"loss", 3.0}, {"epoch", 1}}, std::nullopt);
  EXPECT_EQ(WriteAll(buffer),
            R"({"batch_id":"b-1","rows":[)"
            R"({"step":0,"values":{"loss":0.25,"epoch":0,"flag":true,"phase":"train"}},)"
            R"({"step":1,"values":{"loss":3.0,"epoch":1}}]})");
}

TEST(BatchWriter, MergedRowKeepsFirstPositionAndLastValue) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}, {"epoch", 0}}, std::nullopt);
  buffer.Append({{"accuracy", 0.9}, {"loss", 0.45}}, 0);
  EXPECT_EQ(Json::parse(WriteAll(buffer))["rows"][0]["values"].dump(),
            R"({"loss":0.45,"epoch":0,"accuracy":0.9})");
}

TEST(BatchWriter, WritesNonFiniteFloatsAsNull) {
  LogBuffer buffer(1000);
  buffer.Append({{"nan", std::numeric_limits<double>::quiet_NaN()},
                 {"inf", std::numeric_limits<double>::infinity()}},
                std::nullopt);
  EXPECT_EQ(Json::parse(WriteAll(buffer))["rows"][0]["values"].dump(),
            R"({"nan":null,"inf":null})");
}

TEST(BatchWriter, RoundTripsFloatsExactly) {
  LogBuffer buffer(1000);
  const double values[] = {0.1, 1e-5, 1.0 / 3.0, 123456789.125, -2.5e300, 5e-324};
  for (double value : values) buffer.Append({{"x", value}}, std::nullopt);
  const Json body = Json::parse(WriteAll(buffer));
  for (size_t index = 0; index < std::size(values); ++index) {
    ASSERT_TRUE(body["rows"][index]["values"]["x"].is_number_float());
    EXPECT_EQ(body["rows"][index]["values"]["x"].get<double>(), values[index]);
  }
}

TEST(BatchWriter, EscapesKeysAndStringsAndReplacesInvalidUtf8) {
  LogBuffer buffer(1000);
  buffer.Append({{"quote\"key", "line\nbreak"}, {"bad", std::string("\xff")}}, std::nullopt);
  const Json values = Json::parse(WriteAll(buffer))["rows"][0]["values"];
  EXPECT_EQ(values["quote\"key"], "line\nbreak");
  EXPECT_EQ(values["bad"], "\xef\xbf\xbd");
}

TEST(BatchWriter, WritesNestedJsonValues) {
  LogBuffer buffer(1000);
  buffer.Append(Json{{"eval", {{"loss", 0.1}, {"tags", {"a", "b"}}}}}, std::nullopt);
  EXPECT_EQ(Json::parse(WriteAll(buffer))["rows"][0]["values"].dump(),
            R"({"eval":{"loss":0.1,"tags":["a","b"]}})");
}

TEST(BatchWriter, WritesARangeOfRowsThatCrossesChunks) {
  LogBuffer buffer(1'000'000);
  const size_t count = 3 * LogChunk::kRows;
  for (size_t step = 0; step < count; ++step)
    buffer.Append({{"x", static_cast<int64_t>(step)}}, std::nullopt);
  DrainedRows drained;
  buffer.Drain(drained);
  BatchWriter writer;
  std::string body;
  const size_t first = LogChunk::kRows - 2, end = 2 * LogChunk::kRows + 3;
  writer.Write("b-2", drained, first, end, body);
  const Json rows = Json::parse(body)["rows"];
  ASSERT_EQ(rows.size(), end - first);
  for (size_t index = 0; index < rows.size(); ++index) {
    ASSERT_EQ(rows[index]["step"], first + index);
    ASSERT_EQ(rows[index]["values"]["x"], first + index);
  }
}

}  // namespace
}  // namespace runhook::sdk
