// The hand-written history batch body (the compact encoding, docs/history-encoding.md) must read,
// through core's decoder, as the rows the JSON body used to carry, value for value and type for
// type.
#include "sdk/batch_writer.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/history_encoding.h"

namespace runhook::sdk {
namespace {

namespace encoding = core::history_encoding;

std::string WriteAll(LogBuffer& buffer, const std::string& batch_id = "b-1") {
  DrainedRows drained;
  buffer.Drain(drained);
  BatchWriter writer;
  std::string body;
  writer.Write(batch_id, drained, 0, drained.row_count, body);
  return body;
}

// The decoded body in the JSON form of POST RUN/history: {"batch_id", "rows": [{"step",
// "values"}]}; a decoding error fails the test.
Json Decode(const std::string& body) {
  auto batch = encoding::DecodeBody(body);
  EXPECT_TRUE(batch) << (batch ? "" : batch.error().message);
  if (!batch) return Json();
  Json rows = Json::array();
  for (const core::HistoryRow& row : batch->rows)
    rows.push_back(Json{{"step", row.step}, {"values", row.values}});
  return Json{{"batch_id", batch->batch_id}, {"rows", std::move(rows)}};
}

TEST(BatchWriter, WritesRowsWithStepsAndTypedValues) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.25}, {"epoch", 0}, {"flag", true}, {"phase", "train"}}, std::nullopt);
  buffer.Append({{"loss", 3.0}, {"epoch", -7}, {"flag", false}}, std::nullopt);
  const std::string body = WriteAll(buffer);
  EXPECT_EQ(body.substr(0, 4), encoding::kBodyMagic);
  const Json decoded = Decode(body);
  // Compared as text: dump keeps the key order and prints floats with a '.' ("3.0").
  EXPECT_EQ(decoded.dump(),
            R"({"batch_id":"b-1","rows":[)"
            R"({"step":0,"values":{"loss":0.25,"epoch":0,"flag":true,"phase":"train"}},)"
            R"({"step":1,"values":{"loss":3.0,"epoch":-7,"flag":false}}]})");
  EXPECT_TRUE(decoded["rows"][1]["values"]["loss"].is_number_float());
  EXPECT_TRUE(decoded["rows"][1]["values"]["epoch"].is_number_integer());
}

TEST(BatchWriter, WritesEachKeyOnceInTheKeyTable) {
  LogBuffer buffer(1000);
  for (int step = 0; step < 3; ++step)
    buffer.Append({{"loss", 0.5}, {"accuracy", 0.9}}, std::nullopt);
  const std::string body = WriteAll(buffer, "b-9");
  std::string expected_start(encoding::kBodyMagic);
  encoding::AppendString("b-9", expected_start);
  encoding::AppendUvarint(2, expected_start);
  encoding::AppendString("loss", expected_start);
  encoding::AppendString("accuracy", expected_start);
  encoding::AppendUvarint(3, expected_start);  // rows
  EXPECT_EQ(body.substr(0, expected_start.size()), expected_start);
  // Per row: step, value count, and per value a key index, a tag and 8 bytes.
  EXPECT_EQ(body.size(), expected_start.size() + 3 * (1 + 1 + 2 * (1 + 1 + 8)));
}

TEST(BatchWriter, KeyTableHoldsOnlyTheKeysOfTheBatch) {
  LogBuffer buffer(1000);
  buffer.Append({{"early", 1}}, std::nullopt);
  buffer.Append({{"late", 2}}, std::nullopt);
  DrainedRows drained;
  buffer.Drain(drained);
  BatchWriter writer;
  std::string body;
  writer.Write("b-1", drained, 1, 2, body);
  EXPECT_EQ(body.find("early"), std::string::npos);
  EXPECT_EQ(Decode(body)["rows"].dump(), R"([{"step":1,"values":{"late":2}}])");
  // The writer's scratch state is reset: the next batch numbers its keys from 0 again.
  writer.Write("b-2", drained, 0, 2, body);
  EXPECT_EQ(Decode(body)["rows"].dump(),
            R"([{"step":0,"values":{"early":1}},{"step":1,"values":{"late":2}}])");
}

TEST(BatchWriter, MergedRowKeepsFirstPositionAndLastValue) {
  LogBuffer buffer(1000);
  buffer.Append({{"loss", 0.5}, {"epoch", 0}}, std::nullopt);
  buffer.Append({{"accuracy", 0.9}, {"loss", 0.45}}, 0);
  EXPECT_EQ(Decode(WriteAll(buffer))["rows"][0]["values"].dump(),
            R"({"loss":0.45,"epoch":0,"accuracy":0.9})");
}

TEST(BatchWriter, NonFiniteFloatsReadAsNull) {
  LogBuffer buffer(1000);
  buffer.Append({{"nan", std::numeric_limits<double>::quiet_NaN()},
                 {"inf", std::numeric_limits<double>::infinity()}},
                std::nullopt);
  EXPECT_EQ(Decode(WriteAll(buffer))["rows"][0]["values"].dump(), R"({"nan":null,"inf":null})");
}

TEST(BatchWriter, RoundTripsFloatsAndIntegersExactly) {
  LogBuffer buffer(1000);
  const double floats[] = {0.1, 1e-5, 1.0 / 3.0, 123456789.125, -2.5e300, 5e-324, -0.0};
  for (double value : floats) buffer.Append({{"x", value}}, std::nullopt);
  const int64_t integers[] = {std::numeric_limits<int64_t>::min(), -1, 0, 127, 128,
                              std::numeric_limits<int64_t>::max()};
  for (int64_t value : integers) buffer.Append({{"n", value}}, std::nullopt);
  const Json rows = Decode(WriteAll(buffer))["rows"];
  for (size_t index = 0; index < std::size(floats); ++index) {
    ASSERT_TRUE(rows[index]["values"]["x"].is_number_float());
    EXPECT_EQ(rows[index]["values"]["x"].get<double>(), floats[index]);
  }
  for (size_t index = 0; index < std::size(integers); ++index) {
    const Json& value = rows[std::size(floats) + index]["values"]["n"];
    ASSERT_TRUE(value.is_number_integer()) << value;
    EXPECT_EQ(value.get<int64_t>(), integers[index]);
  }
}

TEST(BatchWriter, KeepsKeysAndStringsAndReplacesInvalidUtf8) {
  LogBuffer buffer(1000);
  buffer.Append({{"quote\"key", "line\nbreak"},
                 {"bad", std::string("a\xff")},
                 {"gr\xc3\xbc\xc3\x9f", "\xe2\x9c\x93"},
                 {std::string("k\xfe"), 1}},
                std::nullopt);
  const Json values = Decode(WriteAll(buffer))["rows"][0]["values"];
  EXPECT_EQ(values["quote\"key"], "line\nbreak");
  EXPECT_EQ(values["bad"], "a\xef\xbf\xbd");
  EXPECT_EQ(values["gr\xc3\xbc\xc3\x9f"], "\xe2\x9c\x93");
  EXPECT_EQ(values["k\xef\xbf\xbd"], 1);
}

TEST(BatchWriter, WritesNestedJsonValues) {
  LogBuffer buffer(1000);
  buffer.Append(Json{{"eval", {{"loss", 0.1}, {"tags", {"a", "b"}}}}, {"plain", 2}}, std::nullopt);
  EXPECT_EQ(Decode(WriteAll(buffer))["rows"][0]["values"].dump(),
            R"({"eval":{"loss":0.1,"tags":["a","b"]},"plain":2})");
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
  const Json rows = Decode(body)["rows"];
  ASSERT_EQ(rows.size(), end - first);
  for (size_t index = 0; index < rows.size(); ++index) {
    ASSERT_EQ(rows[index]["step"], first + index);
    ASSERT_EQ(rows[index]["values"]["x"], first + index);
  }
}

}  // namespace
}  // namespace runhook::sdk
