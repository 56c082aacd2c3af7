// POST RUN/history through a real Server and SQLite store in both encodings: JSON and the compact
// encoding (docs/history-encoding.md), chosen by the request's Content-Type; and compressed with
// Content-Encoding: zstd (server/content_encoding.h).
#include <gtest/gtest.h>
#include <httplib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "core/history_encoding.h"
#include "test_support.h"

namespace runhook::server::testing {
namespace {

namespace encoding = core::history_encoding;

const std::string kCompactType(encoding::kContentType);

Json RunBody() { return Json{{"entity", "alice"}, {"project", "encodings"}}; }

// Rows with a value of every tag: floats (-0.0 too), integers unsigned and signed at their
// limits, strings and keys beyond ASCII, booleans, null, a nested object and a list.
Json SampleRows() {
  return Json::parse(R"([
    {"step": 0, "values": {"loss": 2.5, "epoch": 0, "delta": -9223372036854775808,
                           "big": 18446744073709551615, "whole": 3.0, "zero": -0.0}},
    {"step": 1, "values": {"loss": 1.25, "name": "résumé ✓", "ok": true, "off": false,
                           "none": null, "学习率": 0.001}},
    {"step": 2, "values": {"nested": {"a": [1, -2, 3.5], "b": {"c": "d"}}, "list": [true, null],
                           "loss": 0.1000000000000000055511151231257827}}
  ])");
}

std::string JsonBody(const std::string& batch_id, const Json& rows) {
  return Json{{"batch_id", batch_id}, {"rows", rows}}.dump();
}

// The compact body of the same batch, written with the core primitives.
std::string CompactBody(const std::string& batch_id, const Json& rows) {
  std::vector<std::string> keys;
  auto key_index = [&keys](const std::string& key) {
    for (size_t index = 0; index < keys.size(); ++index)
      if (keys[index] == key) return index;
    keys.push_back(key);
    return keys.size() - 1;
  };
  std::string encoded_rows;
  for (const Json& row : rows) {
    encoding::AppendUvarint(row["step"].get<uint64_t>(), encoded_rows);
    encoding::AppendUvarint(row["values"].size(), encoded_rows);
    for (const auto& [key, value] : row["values"].items()) {
      encoding::AppendUvarint(key_index(key), encoded_rows);
      encoding::AppendJsonValue(value, encoded_rows);
    }
  }
  std::string body(encoding::kBodyMagic);
  encoding::AppendString(batch_id, body);
  encoding::AppendUvarint(keys.size(), body);
  for (const std::string& key : keys) encoding::AppendString(key, body);
  encoding::AppendUvarint(rows.size(), body);
  body.append(encoded_rows);
  return body;
}

Json History(TestServer& server, const std::string& run_path) {
  HttpAnswer history = server.Get(run_path + "/history");
  EXPECT_EQ(history.status, 200) << history.body;
  return history.json["rows"];
}

TEST(HistoryEncodingApi, JsonAndCompactBodiesReadBackIdentically) {
  TestServer server;
  const std::string by_json = TestServer::RunPath(server.CreateRun(RunBody()));
  const std::string by_compact = TestServer::RunPath(server.CreateRun(RunBody()));
  const Json rows = SampleRows();

  HttpAnswer json_answer = server.Post(by_json + "/history", JsonBody("batch-1", rows));
  ASSERT_EQ(json_answer.status, 200) << json_answer.body;
  HttpAnswer compact_answer =
      server.Post(by_compact + "/history", CompactBody("batch-1", rows), kCompactType);
  ASSERT_EQ(compact_answer.status, 200) << compact_answer.body;
  EXPECT_EQ(compact_answer.json, json_answer.json);  // {"acknowledged", "last_step"}
  EXPECT_EQ(compact_answer.json["last_step"], 2);

  const Json from_json = History(server, by_json);
  const Json from_compact = History(server, by_compact);
  ASSERT_EQ(from_json.size(), rows.size());
  EXPECT_EQ(from_compact.dump(), from_json.dump());  // keys, order, 1 vs 1.0, -0.0 kept
  for (size_t index = 0; index < rows.size(); ++index) {
    // As sent (the JSON parse of the body is what both paths read).
    EXPECT_EQ(from_compact[index]["values"].dump(), rows[index]["values"].dump()) << index;
    for (const auto& [key, value] : rows[index]["values"].items()) {
      const Json& read = from_compact[index]["values"][key];
      EXPECT_EQ(read.type(), value.type()) << index << " " << key;
      EXPECT_EQ(read.is_number_unsigned(), value.is_number_unsigned()) << index << " " << key;
    }
  }
  const Json json_run = server.Get(by_json).json["run"];
  const Json compact_run = server.Get(by_compact).json["run"];
  ASSERT_TRUE(json_run["summary"].is_object()) << json_run.dump();
  EXPECT_EQ(compact_run["summary"].dump(), json_run["summary"].dump());
  EXPECT_EQ(compact_run["last_step"], json_run["last_step"]);
}

TEST(HistoryEncodingApi, MalformedCompactBodyIsRefusedNamingTheOffsetAndStoresNothing) {
  TestServer server;
  const std::string path = TestServer::RunPath(server.CreateRun(RunBody()));
  std::string body = CompactBody("broken", SampleRows());
  body.resize(body.size() - 3);  // the last value's payload cut short
  HttpAnswer truncated = server.Post(path + "/history", body, kCompactType);
  EXPECT_EQ(truncated.status, 400) << truncated.body;
  EXPECT_NE(truncated.body.find("history body is malformed at byte "), std::string::npos)
      << truncated.body;
  EXPECT_NE(truncated.body.find("truncated"), std::string::npos) << truncated.body;

  HttpAnswer json_as_compact =
      server.Post(path + "/history", JsonBody("j", SampleRows()), kCompactType);
  EXPECT_EQ(json_as_compact.status, 400) << json_as_compact.body;
  EXPECT_NE(json_as_compact.body.find("at byte 0: wrong magic"), std::string::npos)
      << json_as_compact.body;

  EXPECT_TRUE(History(server, path).empty());
  const Json run = server.Get(path).json["run"];
  EXPECT_EQ(run["summary"], Json::object()) << run.dump();
  // The batch id of the refused body was not recorded: sent whole, it is stored.
  HttpAnswer whole =
      server.Post(path + "/history", CompactBody("broken", SampleRows()), kCompactType);
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(History(server, path).size(), 3u);
}

TEST(HistoryEncodingApi, BatchIdSentAsJsonAndAsCompactIsStoredOnce) {
  TestServer server;
  const std::string path = TestServer::RunPath(server.CreateRun(RunBody()));
  const Json rows = SampleRows();
  HttpAnswer first = server.Post(path + "/history", JsonBody("same", rows));
  ASSERT_EQ(first.status, 200) << first.body;
  HttpAnswer second = server.Post(path + "/history", CompactBody("same", rows), kCompactType);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json["acknowledged"], "same");
  EXPECT_EQ(History(server, path).size(), rows.size());
  // And the other way round.
  HttpAnswer third = server.Post(path + "/history", CompactBody("other", rows), kCompactType);
  ASSERT_EQ(third.status, 200) << third.body;
  HttpAnswer fourth = server.Post(path + "/history", JsonBody("other", rows));
  ASSERT_EQ(fourth.status, 200) << fourth.body;
  EXPECT_EQ(History(server, path).size(), 2 * rows.size());
}

TEST(HistoryEncodingApi, ContentTypeChoosesTheDecoder) {
  TestServer server;
  const std::string path = TestServer::RunPath(server.CreateRun(RunBody()));
  const Json rows = Json::parse(R"([{"step": 4, "values": {"x": 1}}])");
  // Media type matched without regard to case or parameters.
  EXPECT_EQ(server
                .Post(path + "/history", CompactBody("a", rows),
                      "Application/VND.runhook.history.v1; charset=binary")
                .status,
            200);
  // No Content-Type, or another one, reads JSON as before.
  EXPECT_EQ(server.Post(path + "/history", JsonBody("b", rows), "").status, 200);
  EXPECT_EQ(server.Post(path + "/history", JsonBody("c", rows), "text/plain").status, 200);
  EXPECT_EQ(server.Post(path + "/history", CompactBody("d", rows), "application/json").status, 400);
  EXPECT_EQ(History(server, path).size(), 3u);
}

std::string Zstd(const std::string& body) {
  std::string compressed(ZSTD_compressBound(body.size()), '\0');
  const size_t size =
      ZSTD_compress(compressed.data(), compressed.size(), body.data(), body.size(), 1);
  EXPECT_FALSE(ZSTD_isError(size)) << ZSTD_getErrorName(size);
  compressed.resize(size);
  return compressed;
}

// POSTs `body` to the server's RUN/history with the given Content-Encoding.
HttpAnswer PostEncoded(TestServer& server, const std::string& run_path, const std::string& body,
                       const std::string& content_encoding) {
  return server.Post(run_path + "/history", body, kCompactType,
                     {{"Content-Encoding", content_encoding}});
}

TEST(HistoryContentEncoding, ZstdCompactBodyReadsBackAsTheUncompressedOne) {
  TestServer server;
  const std::string plain = TestServer::RunPath(server.CreateRun(RunBody()));
  const std::string compressed = TestServer::RunPath(server.CreateRun(RunBody()));
  const Json rows = SampleRows();
  const std::string body = CompactBody("batch-1", rows);

  ASSERT_EQ(server.Post(plain + "/history", body, kCompactType).status, 200);
  HttpAnswer answer = PostEncoded(server, compressed, Zstd(body), "zstd");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json["last_step"], 2);
  EXPECT_EQ(History(server, compressed).dump(), History(server, plain).dump());
  EXPECT_EQ(PostEncoded(server, compressed, body, "identity").status, 200);  // same batch id
  EXPECT_EQ(History(server, compressed).size(), rows.size());
  // Content codings are case-insensitive: the same batch again, spelled ZSTD, is accepted.
  EXPECT_EQ(PostEncoded(server, compressed, Zstd(body), "ZSTD").status, 200);
  EXPECT_EQ(History(server, compressed).size(), rows.size());
}

TEST(HistoryContentEncoding, CorruptFrameIsRefusedWith400NamingZstdsError) {
  TestServer server;
  const std::string path = TestServer::RunPath(server.CreateRun(RunBody()));
  // A frame with a checksum, one byte of its content changed.
  const std::string body = CompactBody("batch-1", SampleRows());
  std::string frame(ZSTD_compressBound(body.size()), '\0');
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
  const size_t size = ZSTD_compress2(context, frame.data(), frame.size(), body.data(), body.size());
  ZSTD_freeCCtx(context);
  ASSERT_FALSE(ZSTD_isError(size));
  frame.resize(size);
  frame[frame.size() / 2] ^= 0x01;
  HttpAnswer corrupt = PostEncoded(server, path, frame, "zstd");
  EXPECT_EQ(corrupt.status, 400) << corrupt.body;
  EXPECT_NE(corrupt.body.find("request body: Content-Encoding zstd: "), std::string::npos)
      << corrupt.body;
  HttpAnswer not_zstd = PostEncoded(server, path, "plainly not a zstd frame", "zstd");
  EXPECT_EQ(not_zstd.status, 400) << not_zstd.body;
  EXPECT_NE(not_zstd.body.find("Content-Encoding zstd: Unknown frame descriptor"),
            std::string::npos)
      << not_zstd.body;
  const std::string whole = Zstd(CompactBody("batch-1", SampleRows()));
  HttpAnswer truncated = PostEncoded(server, path, whole.substr(0, whole.size() - 4), "zstd");
  EXPECT_EQ(truncated.status, 400) << truncated.body;
  EXPECT_EQ(History(server, path).size(), 0u);
}

TEST(HistoryContentEncoding, UnknownEncodingIsRefusedWith415NamingIt) {
  TestServer server;
  const std::string path = TestServer::RunPath(server.CreateRun(RunBody()));
  HttpAnswer answer = PostEncoded(server, path, CompactBody("batch-1", SampleRows()), "lz4");
  EXPECT_EQ(answer.status, 415) << answer.body;
  EXPECT_NE(answer.body.find("Content-Encoding 'lz4'"), std::string::npos) << answer.body;
  EXPECT_EQ(History(server, path).size(), 0u);
}

TEST(HistoryContentEncoding, DecompressedBodyOverTheLimitIsRefusedWith413) {
  TestServer server([](ServerOptions& options) { options.max_request_bytes = 1 << 20; });
  const std::string path = TestServer::RunPath(server.CreateRun(RunBody()));
  const std::string zeros(8 << 20, '\0');  // 8 MiB of zeros: a frame of a few hundred bytes
  // With the size in the frame header (refused before allocating) and without it (streamed).
  std::string stated = Zstd(zeros);
  ASSERT_LT(stated.size(), 4096u);
  std::string unstated;
  {
    ZSTD_CCtx* context = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0);
    unstated.resize(ZSTD_compressBound(zeros.size()));
    const size_t size =
        ZSTD_compress2(context, unstated.data(), unstated.size(), zeros.data(), zeros.size());
    ZSTD_freeCCtx(context);
    ASSERT_FALSE(ZSTD_isError(size));
    unstated.resize(size);
  }
  ASSERT_EQ(ZSTD_getFrameContentSize(unstated.data(), unstated.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  for (const std::string* frame : {&stated, &unstated}) {
    HttpAnswer answer = PostEncoded(server, path, *frame, "zstd");
    EXPECT_EQ(answer.status, 413) << answer.body;
    EXPECT_NE(answer.body.find("limit of 1048576 bytes"), std::string::npos) << answer.body;
  }
}

}  // namespace
}  // namespace runhook::server::testing
