#include "core/history_encoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace runhook::core::history_encoding {
namespace {

// A body of one row at step `step` whose values are given already encoded (key index, tag,
// payload), with the key table `keys`.
std::string Body(std::string_view batch_id, const std::vector<std::string>& keys,
                 const std::vector<std::pair<uint64_t, std::string>>& rows) {
  std::string body(kBodyMagic);
  AppendString(batch_id, body);
  AppendUvarint(keys.size(), body);
  for (const std::string& key : keys) AppendString(key, body);
  AppendUvarint(rows.size(), body);
  for (const auto& [step, encoded_values] : rows) {
    AppendUvarint(step, body);
    body.append(encoded_values);
  }
  return body;
}

// The encoded values of a row: count, then (key index, AppendJsonValue) per value.
std::string Values(const std::vector<std::pair<uint64_t, Json>>& values) {
  std::string out;
  AppendUvarint(values.size(), out);
  for (const auto& [key_index, value] : values) {
    AppendUvarint(key_index, out);
    AppendJsonValue(value, out);
  }
  return out;
}

// The single value of a one-key, one-row body holding `value`.
Json RoundTrip(const Json& value) {
  Result<DecodedBatch> batch = DecodeBody(Body("b", {"k"}, {{0, Values({{0, value}})}}));
  EXPECT_TRUE(batch) << batch.error().message;
  if (!batch) return "decode failed";
  return batch->rows.at(0).values.at("k");
}

std::string ErrorOf(std::string_view body) {
  Result<DecodedBatch> batch = DecodeBody(body);
  if (batch) return "decoded without error";
  EXPECT_EQ(batch.error().code, ErrorCode::kInvalidArgument);
  return batch.error().message;
}

TEST(HistoryEncoding, UvarintMatchesTheDocumentedBytes) {
  std::string out;
  AppendUvarint(0, out);
  AppendUvarint(127, out);
  AppendUvarint(300, out);
  EXPECT_EQ(out, std::string("\x00\x7f\xac\x02", 4));
  out.clear();
  AppendUvarint(std::numeric_limits<uint64_t>::max(), out);
  EXPECT_EQ(out.size(), 10u);
}

TEST(HistoryEncoding, EveryTagRoundTrips) {
  EXPECT_TRUE(RoundTrip(nullptr).is_null());
  EXPECT_EQ(RoundTrip(false), Json(false));
  EXPECT_EQ(RoundTrip(true), Json(true));
  const Json half = RoundTrip(0.5);
  EXPECT_TRUE(half.is_number_float());
  EXPECT_EQ(half.get<double>(), 0.5);
  const Json minimum = RoundTrip(std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(minimum.is_number_integer() && !minimum.is_number_unsigned());
  EXPECT_EQ(minimum.get<int64_t>(), std::numeric_limits<int64_t>::min());
  const Json minus_one = RoundTrip(-1);
  EXPECT_FALSE(minus_one.is_number_unsigned());
  EXPECT_EQ(minus_one.get<int64_t>(), -1);
  const Json maximum = RoundTrip(std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(maximum.is_number_unsigned());
  EXPECT_EQ(maximum.get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  const Json zero = RoundTrip(Json(0u));
  EXPECT_TRUE(zero.is_number_unsigned());
  EXPECT_EQ(RoundTrip("héllo ✓ 🚀"), Json("héllo ✓ 🚀"));
  EXPECT_EQ(RoundTrip(""), Json(""));
  const Json nested = Json::parse(R"({"a":[1,-2,3.5,{"b":null}],"c":"ü"})");
  EXPECT_EQ(RoundTrip(nested).dump(), nested.dump());
  EXPECT_EQ(RoundTrip(Json::array()).dump(), "[]");
}

TEST(HistoryEncoding, NegativeZeroKeepsItsSign) {
  const Json value = RoundTrip(-0.0);
  ASSERT_TRUE(value.is_number_float());
  EXPECT_TRUE(std::signbit(value.get<double>()));
}

TEST(HistoryEncoding, NanAndInfinitiesReadAsNull) {
  EXPECT_TRUE(RoundTrip(std::numeric_limits<double>::quiet_NaN()).is_null());
  EXPECT_TRUE(RoundTrip(std::numeric_limits<double>::infinity()).is_null());
  EXPECT_TRUE(RoundTrip(-std::numeric_limits<double>::infinity()).is_null());
}

TEST(HistoryEncoding, InvalidUtf8IsReplacedWhenEncoding) {
  EXPECT_EQ(RoundTrip(std::string("a\xff"
                                  "b")),
            Json("a\xEF\xBF\xBD"
                 "b"));
}

TEST(HistoryEncoding, DecodesRowsAsTheJsonPathReadsThem) {
  const Json values = Json::parse(
      R"({"loss":0.25,"step_count":3,"delta":-4,"whole":2.0,"big":1e300,"name":"rün",)"
      R"("ok":true,"none":null,"list":[1,2],"obj":{"x":1},"ключ":18446744073709551615})");
  std::vector<std::pair<uint64_t, Json>> encoded;
  std::vector<std::string> keys;
  for (const auto& [key, value] : values.items()) {
    encoded.emplace_back(keys.size(), value);
    keys.push_back(key);
  }
  Result<DecodedBatch> batch =
      DecodeBody(Body("batch-1", keys, {{7, Values(encoded)}, {9, Values({})}}));
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->batch_id, "batch-1");
  ASSERT_EQ(batch->rows.size(), 2u);
  EXPECT_EQ(batch->rows[0].step, 7);
  EXPECT_EQ(batch->rows[0].values.dump(), values.dump());  // order, 2.0 vs 2 kept
  for (const auto& [key, value] : values.items()) {
    const Json& decoded = batch->rows[0].values.at(key);
    EXPECT_EQ(decoded.type(), value.type()) << key;
    EXPECT_EQ(decoded.is_number_unsigned(), value.is_number_unsigned()) << key;
  }
  EXPECT_EQ(batch->rows[1].step, 9);
  EXPECT_TRUE(batch->rows[1].values.is_object());
  EXPECT_TRUE(batch->rows[1].values.empty());
}

TEST(HistoryEncoding, AcceptsTheLargestStepAndUnusedKeys) {
  Result<DecodedBatch> batch = DecodeBody(
      Body("b", {"used", "unused"}, {{std::numeric_limits<int64_t>::max(), Values({{0, 1}})}}));
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->rows[0].step, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(batch->rows[0].values.dump(), R"({"used":1})");
}

TEST(HistoryEncoding, RefusesWrongMagicAndVersion) {
  EXPECT_EQ(ErrorOf(""), "history body is malformed at byte 0: wrong magic: expected 'RHH' 0x01");
  EXPECT_EQ(ErrorOf("{\"batch_id\""),
            "history body is malformed at byte 0: wrong magic: expected 'RHH' 0x01");
  EXPECT_EQ(ErrorOf(std::string("RHH\x02\x01"
                                "b\x00\x00",
                                8)),
            "history body is malformed at byte 3: version 2 is not supported (this server reads "
            "version 1)");
  EXPECT_EQ(ErrorOf(std::string("RHB\x01\x01"
                                "b\x00\x00",
                                8)),
            "history body is malformed at byte 0: wrong magic: expected 'RHH' 0x01");
}

TEST(HistoryEncoding, RefusesAnEmptyBatchId) {
  EXPECT_EQ(ErrorOf(Body("", {}, {})), "history body is malformed at byte 4: batch_id is empty");
}

TEST(HistoryEncoding, RefusesTruncatedFields) {
  // magic 0-3, batch id "b" 4-5, key count 6, key "k" 7-8, row count 9, step 300 10-11, value
  // count 12, key index 13, tag 14, float 15-22.
  const std::string body = Body("b", {"k"}, {{300, Values({{0, 0.5}})}});
  EXPECT_EQ(ErrorOf(body.substr(0, 4)),
            "history body is malformed at byte 4: truncated varint (the batch id)");
  const std::string long_step = Body("b", {"k"}, {{uint64_t{1} << 20, Values({})}});
  EXPECT_EQ(ErrorOf(long_step.substr(0, 12)),
            "history body is malformed at byte 10: truncated varint (a step)");
  EXPECT_EQ(ErrorOf(body.substr(0, 13)),
            "history body is malformed at byte 13: truncated varint (a key index)");
  EXPECT_EQ(ErrorOf(body.substr(0, 14)),
            "history body is malformed at byte 14: truncated value: the tag is missing");
  EXPECT_EQ(ErrorOf(body.substr(0, 10)),
            "history body is malformed at byte 9: row count 1 exceeds what the remaining bytes "
            "can hold");
  EXPECT_EQ(ErrorOf(body.substr(0, body.size() - 1)),
            "history body is malformed at byte 14: truncated float: 8 bytes needed, 7 left");
  EXPECT_EQ(ErrorOf(std::string(kBodyMagic) + std::string("\x05"
                                                          "ab",
                                                          3)),
            "history body is malformed at byte 4: truncated string (the batch id: 5 bytes "
            "announced, 2 left)");
  EXPECT_EQ(ErrorOf(Body("b", {}, {}).substr(0, 6)),
            "history body is malformed at byte 6: truncated varint (the key count)");
}

TEST(HistoryEncoding, RefusesAVarintLongerThan64Bits) {
  std::string body(kBodyMagic);
  body.append(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10));
  EXPECT_EQ(ErrorOf(body),
            "history body is malformed at byte 4: varint overflows 64 bits (the "
            "batch id)");
}

TEST(HistoryEncoding, RefusesAnUnknownTag) {
  EXPECT_EQ(ErrorOf(Body("b", {"k"}, {{0, std::string("\x01\x00\x08", 3)}})),
            "history body is malformed at byte 13: unknown tag 0x08");
}

TEST(HistoryEncoding, RefusesAKeyIndexOutOfRange) {
  EXPECT_EQ(ErrorOf(Body("b", {"k"}, {{0, std::string("\x01\x01\x00", 3)}})),
            "history body is malformed at byte 12: key index 1 out of range (1 keys)");
}

TEST(HistoryEncoding, RefusesDuplicateKeys) {
  EXPECT_EQ(ErrorOf(Body("b", {"k", "j"}, {{0, Values({})}, {1, Values({{1, 1}, {1, 2}})}})),
            "history body is malformed at byte 19: duplicate key \"j\" in row 1");
  EXPECT_EQ(ErrorOf(Body("b", {"k", "k"}, {})),
            "history body is malformed at byte 9: duplicate key \"k\" in the key table");
}

// An empty metric name is accepted, as the JSON form (and runhook before the compact form) does:
// refusing it would lose the whole batch it was logged in.
TEST(HistoryEncoding, AcceptsAnEmptyKeyAsJsonDoes) {
  Result<DecodedBatch> batch = DecodeBody(Body("b", {""}, {{0, Values({{0, 1}})}}));
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->rows.at(0).values.dump(), R"({"":1})");
  std::string block;
  ASSERT_TRUE(AppendBlock(batch->rows, block));
  std::vector<HistoryRow> decoded;
  ASSERT_TRUE(DecodeBlock(block, decoded));
  EXPECT_EQ(decoded.at(0).values.dump(), R"({"":1})");
}

// A number out of a double's range inside nested JSON text is a 400-style error, not an
// exception escaping the decoder.
TEST(HistoryEncoding, RefusesJsonTextWithAnOutOfRangeNumber) {
  std::string value;
  AppendUvarint(1, value);
  AppendUvarint(0, value);
  AppendTag(Tag::kJsonText, value);
  AppendString("[1e400]", value);
  const std::string message = ErrorOf(Body("b", {"k"}, {{0, value}}));
  EXPECT_EQ(message.rfind("history body is malformed at byte 14: JSON text does not parse: ", 0),
            0u)
      << message;
}

TEST(HistoryEncoding, RefusesInvalidUtf8) {
  EXPECT_EQ(ErrorOf(Body("b", {std::string("k\xc3")}, {})),
            "history body is malformed at byte 9: invalid UTF-8 (a key)");
  std::string value = Values({{0, "x"}});
  value.back() = '\xff';
  EXPECT_EQ(ErrorOf(Body("b", {"k"}, {{0, value}})),
            "history body is malformed at byte 15: invalid UTF-8 (a string value)");
  EXPECT_EQ(ErrorOf(Body(std::string("\xed\xa0\x80"), {}, {})),  // a surrogate
            "history body is malformed at byte 5: invalid UTF-8 (the batch id)");
}

TEST(HistoryEncoding, RefusesJsonTextThatDoesNotParseOrIsAScalar) {
  std::string bad = std::string("\x01\x00\x07", 3);
  AppendString("{\"a\":", bad);
  const std::string message = ErrorOf(Body("b", {"k"}, {{0, bad}}));
  EXPECT_EQ(message.rfind("history body is malformed at byte 14: JSON text does not parse: ", 0),
            0u)
      << message;
  std::string scalar = std::string("\x01\x00\x07", 3);
  AppendString("1", scalar);
  EXPECT_EQ(ErrorOf(Body("b", {"k"}, {{0, scalar}})),
            "history body is malformed at byte 14: JSON text of tag 0x07 is not an object or a "
            "list");
}

TEST(HistoryEncoding, RefusesOutOfRangeNumbers) {
  EXPECT_EQ(ErrorOf(Body("b", {}, {{uint64_t{1} << 63, Values({})}})),
            "history body is malformed at byte 8: step 9223372036854775808 of row 0 is above "
            "2^63 - 1");
  std::string below = std::string("\x01\x00\x04", 3);
  AppendUvarint(uint64_t{1} << 63, below);
  EXPECT_EQ(ErrorOf(Body("b", {"k"}, {{0, below}})),
            "history body is malformed at byte 14: negative integer -(9223372036854775808 + 1) "
            "is below INT64_MIN");
}

TEST(HistoryEncoding, RefusesCountsTheBodyCannotHold) {
  EXPECT_EQ(ErrorOf(Body("b", {}, {{0, std::string("\x05", 1)}})),
            "history body is malformed at byte 9: row 0 has 5 values but the key table has 0 "
            "keys");
  std::string huge(kBodyMagic);
  AppendString("b", huge);
  AppendUvarint(uint64_t{1} << 40, huge);
  EXPECT_EQ(ErrorOf(huge),
            "history body is malformed at byte 6: key count 1099511627776 exceeds "
            "what the remaining bytes can hold");
}

TEST(HistoryEncoding, RefusesTrailingBytes) {
  EXPECT_EQ(ErrorOf(Body("b", {}, {}) + "xy"),
            "history body is malformed at byte 8: 2 trailing bytes after the last row");
}

TEST(HistoryEncoding, BlocksRoundTripRowsWithVaryingKeys) {
  std::vector<HistoryRow> rows;
  rows.push_back(HistoryRow{0, Json::parse(R"({"loss":1.5,"acc":0})")});
  rows.push_back(HistoryRow{1, Json::parse(R"({"loss":1.25,"acc":1})")});
  rows.push_back(HistoryRow{1, Json::parse(R"({"acc":2,"loss":-3,"lr":{"a":[1]}})")});
  rows.push_back(HistoryRow{5, Json::object()});
  rows.push_back(HistoryRow{6, Json::parse(R"({"名前":"値","loss":null})")});
  std::string block = "prefix kept";
  ASSERT_TRUE(AppendBlock(rows, block));
  ASSERT_EQ(block.substr(0, 11), "prefix kept");
  std::vector<HistoryRow> decoded(1);  // appended after what is there
  Status status = DecodeBlock(std::string_view(block).substr(11), decoded);
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(decoded.size(), rows.size() + 1);
  for (size_t index = 0; index < rows.size(); ++index) {
    EXPECT_EQ(decoded[index + 1].step, rows[index].step);
    EXPECT_EQ(decoded[index + 1].values.dump(), rows[index].values.dump());
  }
}

TEST(HistoryEncoding, BlockWritesNullValuesAsAnEmptyObject) {
  std::string block;
  ASSERT_TRUE(AppendBlock(std::vector<HistoryRow>{HistoryRow{2, nullptr}}, block));
  std::vector<HistoryRow> decoded;
  ASSERT_TRUE(DecodeBlock(block, decoded));
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].step, 2);
  EXPECT_EQ(decoded[0].values.dump(), "{}");
}

TEST(HistoryEncoding, AppendBlockRefusesRowsItCannotEncode) {
  std::string block;
  std::vector<HistoryRow> not_object{HistoryRow{3, Json::array()}};
  Status status = AppendBlock(not_object, block);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "history row 0 (step 3): values are not an object");
  std::vector<HistoryRow> negative{HistoryRow{-1, Json::object()}};
  status = AppendBlock(negative, block);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "history row 0: step -1 is below 0");
  std::vector<HistoryRow> negative_without_values{HistoryRow{-1, Json()}};
  status = AppendBlock(negative_without_values, block);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "history row 0: step -1 is below 0");
}

TEST(HistoryEncoding, DecodeBlockNamesTheBlock) {
  std::vector<HistoryRow> rows;
  Status status = DecodeBlock("[[0,{}]]", rows);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            "history block is malformed at byte 0: wrong magic: expected 'RHB' 0x01");
  std::string block;
  ASSERT_TRUE(AppendBlock(std::vector<HistoryRow>{HistoryRow{1, Json{{"a", 1}}}}, block));
  status = DecodeBlock(block.substr(0, block.size() - 1), rows);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            "history block is malformed at byte 12: truncated varint (an integer)");
}

}  // namespace
}  // namespace runhook::core::history_encoding
