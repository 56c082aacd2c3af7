// The spool file format and reader (sdk/spool.h), and the shipper's use of it during an outage
// and offline.
#include "sdk/spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/history_encoding.h"
#include "sdk/shipper.h"
#include "test_receiver.h"

namespace runhook::sdk {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::TestReceiver;

constexpr const char* kRunPath = "/api/v1/runs/alice/demo/abc12345";
constexpr const char* kRegistration = R"({"entity":"alice","project":"demo","id":"abc12345"})";

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern = (fs::temp_directory_path() / "runhook-spool-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TemporaryDirectory() {
    std::error_code error;
    fs::remove_all(path_, error);
  }
  // A run directory inside, not created yet.
  std::string run() const { return path_ + "/runs/alice/demo/abc12345"; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SpoolRecord, FormatsOneLineAndParsesItBack) {
  SpoolRecord record{.kind = "request",
                     .method = "PATCH",
                     .path = "/config",
                     .rows = 0,
                     .body = R"({"config":{"lr":0.1}})"};
  const std::string line = FormatSpoolRecord(record);
  EXPECT_EQ(line, R"({"kind":"request","method":"PATCH","path":"/config","rows":0,)"
                  R"("body":{"config":{"lr":0.1}}})");
  auto parsed = ParseSpoolRecord(line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->kind, "request");
  EXPECT_EQ(parsed->method, "PATCH");
  EXPECT_EQ(parsed->path, "/config");
  EXPECT_EQ(parsed->body, R"({"config":{"lr":0.1}})");
  EXPECT_EQ(parsed->content_type, kJsonContentType);
}

TEST(SpoolRecord, KeepsABinaryBodyAsBase64WithItsContentType) {
  const std::string body("RHH\x01\x00\n\xff\"}", 9);
  SpoolRecord record{.kind = "request",
                     .path = "/history",
                     .rows = 3,
                     .content_type = "application/vnd.runhook.history.v1",
                     .body = body};
  const std::string line = FormatSpoolRecord(record);
  EXPECT_EQ(line, R"({"kind":"request","method":"POST","path":"/history","rows":3,)"
                  R"("content_type":"application/vnd.runhook.history.v1",)"
                  R"("body_base64":"UkhIAQAK/yJ9"})");
  auto parsed = ParseSpoolRecord(line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->content_type, "application/vnd.runhook.history.v1");
  EXPECT_EQ(parsed->body, body);
  EXPECT_EQ(parsed->rows, 3u);
}

TEST(SpoolRecord, ReadsAHistoryRecordWrittenBeforeContentTypesAsJson) {
  auto parsed =
      ParseSpoolRecord(R"({"kind":"request","method":"POST","path":"/history","rows":1,)"
                       R"("body":{"batch_id":"b-1","rows":[{"step":0,"values":{"loss":0.5}}]}})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->content_type, kJsonContentType);
  EXPECT_EQ(parsed->body, R"({"batch_id":"b-1","rows":[{"step":0,"values":{"loss":0.5}}]})");
}

TEST(SpoolRecord, NamesWhatIsWrongWithABadLine) {
  EXPECT_EQ(ParseSpoolRecord("[1]").error().message, "not a JSON object");
  EXPECT_EQ(ParseSpoolRecord(R"({"kind":"other","body":{}})").error().message,
            "unknown kind 'other' (expected register or request)");
  EXPECT_EQ(ParseSpoolRecord(R"({"kind":"request","path":"history","body":{}})").error().message,
            "a request needs a \"path\" starting with /");
  EXPECT_EQ(ParseSpoolRecord(R"({"kind":"request","method":"GET","path":"/x","body":{}})")
                .error()
                .message,
            "method 'GET' is not one of POST, PATCH, PUT");
  EXPECT_EQ(ParseSpoolRecord(R"({"kind":"register"})").error().message,
            "no \"body\" object or \"body_base64\"");
  EXPECT_EQ(
      ParseSpoolRecord(R"({"kind":"request","path":"/x","body_base64":"AA=="})").error().message,
      "a \"body_base64\" needs a \"content_type\"");
  EXPECT_EQ(ParseSpoolRecord(
                R"({"kind":"request","path":"/x","content_type":"a/b","body_base64":"A*=="})")
                .error()
                .message,
            "\"body_base64\" is not base64");
}

TEST(SpoolWriter, WritesTheRegistrationFirstThenRequestsInOrder) {
  TemporaryDirectory directory;
  SpoolWriter writer(directory.run(), kRegistration, /*registered=*/false);
  ASSERT_TRUE(writer.Append("POST", "/start", 0, "{}"));
  ASSERT_TRUE(writer.Append("POST", "/history", 2, R"({"batch_id":"b-1","rows":[]})"));
  auto contents = ReadSpool(directory.run());
  ASSERT_TRUE(contents) << contents.error().message;
  ASSERT_EQ(contents->records.size(), 3u);
  EXPECT_EQ(contents->records[0].kind, "register");
  EXPECT_EQ(contents->records[0].body, kRegistration);
  EXPECT_EQ(contents->records[1].path, "/start");
  EXPECT_EQ(contents->records[2].path, "/history");
  EXPECT_EQ(contents->records[2].rows, 2u);
  EXPECT_EQ(contents->records[2].end, fs::file_size(writer.file_path()));
  EXPECT_EQ(contents->acked, 0u);
}

TEST(SpoolReader, IgnoresAnUnfinishedLastLineAndTheNextWriterTruncatesIt) {
  TemporaryDirectory directory;
  {
    SpoolWriter writer(directory.run(), kRegistration, false);
    ASSERT_TRUE(writer.Append("POST", "/start", 0, "{}"));
  }
  const std::string path = directory.run() + "/" + kSpoolFileName;
  std::ofstream(path, std::ios::app) << R"({"kind":"request","path":"/hist)";
  auto contents = ReadSpool(directory.run());
  ASSERT_TRUE(contents) << contents.error().message;
  EXPECT_EQ(contents->records.size(), 2u);

  SpoolWriter next(directory.run(), kRegistration, false);
  ASSERT_TRUE(next.Append("POST", "/finish", 0, R"({"exit_code":0})"));
  contents = ReadSpool(directory.run());
  ASSERT_TRUE(contents) << contents.error().message;
  ASSERT_EQ(contents->records.size(), 4u);  // register, start, register, finish
  EXPECT_EQ(contents->records[3].path, "/finish");
}

TEST(SpoolReader, NamesTheFileAndLineOfABrokenRecord) {
  TemporaryDirectory directory;
  fs::create_directories(directory.run());
  std::ofstream(directory.run() + "/" + kSpoolFileName) << "{\"kind\":\"register\",\"body\":{}}\n"
                                                        << "not json\n";
  auto contents = ReadSpool(directory.run());
  ASSERT_FALSE(contents);
  EXPECT_EQ(contents.error().message, directory.run() + "/spool.jsonl line 2: not a JSON object");
}

TEST(SpoolReader, ReadsTheAcknowledgedOffset) {
  TemporaryDirectory directory;
  SpoolWriter writer(directory.run(), kRegistration, false);
  ASSERT_TRUE(writer.Append("POST", "/start", 0, "{}"));
  ASSERT_TRUE(WriteSpoolAcked(directory.run(), 42));
  EXPECT_EQ(ReadSpool(directory.run())->acked, 42u);
  EXPECT_EQ(ReadFile(directory.run() + "/" + kSpoolAckedFileName), "42\n");
}

TEST(SpoolWriter, ReadsBackInOrderSkippingAKnownRegistrationAndRemovesTheFileWhenAllIsAcked) {
  TemporaryDirectory directory;
  SpoolWriter writer(directory.run(), kRegistration, /*registered=*/true);
  ASSERT_TRUE(writer.Append("POST", "/history", 1, R"({"batch_id":"b-1"})"));
  ASSERT_TRUE(writer.Append("POST", "/alert", 0, R"({"title":"t"})"));
  std::string error;
  auto first = writer.Peek(error);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(first->path, "/history");
  writer.Acknowledge();
  EXPECT_EQ(ReadSpool(directory.run())->acked, first->end);
  auto second = writer.Peek(error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(second->path, "/alert");
  EXPECT_TRUE(writer.HasPending());
  writer.Acknowledge();
  EXPECT_FALSE(writer.HasPending());
  EXPECT_FALSE(fs::exists(writer.file_path()));
  EXPECT_FALSE(fs::exists(directory.run() + "/" + kSpoolAckedFileName));
}

TEST(SpoolWriter, LeavesTheAckedOffsetOfAnEarlierUnsyncedSpoolAlone) {
  TemporaryDirectory directory;
  {
    SpoolWriter earlier(directory.run(), kRegistration, false);
    ASSERT_TRUE(earlier.Append("POST", "/history", 1, R"({"batch_id":"b-1"})"));
  }
  SpoolWriter writer(directory.run(), kRegistration, true);
  ASSERT_TRUE(writer.Append("POST", "/history", 1, R"({"batch_id":"b-2"})"));
  std::string error;
  auto record = writer.Peek(error);
  ASSERT_TRUE(record) << error;
  EXPECT_EQ(record->body, R"({"batch_id":"b-2"})");  // only what this writer appended
  writer.Acknowledge();
  // The earlier process's batch was never delivered: `runhook sync` must still send it.
  EXPECT_TRUE(fs::exists(writer.file_path()));
  EXPECT_EQ(ReadSpool(directory.run())->acked, 0u);
}

class ShipperSpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Shipper> MakeShipper(bool online) {
    auto client = online ? std::make_unique<HttpClient>(receiver_.url(), "") : nullptr;
    return std::make_unique<Shipper>(
        buffer_, std::move(client), kRunPath,
        ShipperOptions{.ship_interval = milliseconds(20), .first_retry_delay = milliseconds(20)},
        std::make_unique<SpoolWriter>(directory_.run(), kRegistration, online));
  }

  TestReceiver receiver_;
  LogBuffer buffer_{1000};
  TemporaryDirectory directory_;
};

TEST_F(ShipperSpoolTest, SpoolsDuringAnOutageAndDeliversInOrderOnceTheServerIsBack) {
  receiver_.FailHistory(3, 503);
  auto shipper = MakeShipper(true);
  shipper->Start();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  ASSERT_TRUE(receiver_.WaitFor([](const auto& requests) { return !requests.empty(); }));
  buffer_.Append({{"loss", 0.4}}, std::nullopt);
  shipper->Enqueue("/alert", R"({"title":"t"})");
  buffer_.Append({{"loss", 0.3}}, std::nullopt);
  ASSERT_TRUE(receiver_.WaitForHistoryRows(3, milliseconds(5000)));
  const auto result = shipper->Shutdown(std::chrono::steady_clock::now() + milliseconds(2000));
  EXPECT_TRUE(result.all_shipped);
  EXPECT_TRUE(result.spool_directory.empty());
  const auto rows = receiver_.HistoryRows();
  ASSERT_EQ(rows.size(), 3u);
  for (int step = 0; step < 3; ++step) EXPECT_EQ(rows[step]["step"], step);
  EXPECT_EQ(rows[2]["values"]["loss"], 0.3);
  // The alert was sent after the rows logged before it; history batches, replayed from the spool
  // too, went in the compact encoding and the alert as JSON.
  const auto requests = receiver_.Requests();
  for (const auto& request : requests)
    EXPECT_EQ(request.content_type,
              request.verb == "history" ? core::history_encoding::kContentType : kJsonContentType)
        << request.verb;
  size_t alert = 0, second_row = 0;
  for (size_t index = 0; index < requests.size(); ++index) {
    if (requests[index].verb == "alert") alert = index;
    if (requests[index].verb == "history" && requests[index].body["rows"][0]["step"] == 1)
      second_row = index;
  }
  EXPECT_LT(second_row, alert);
  EXPECT_FALSE(fs::exists(directory_.run() + "/" + kSpoolFileName));  // all delivered
}

TEST_F(ShipperSpoolTest, LeavesWhatTheServerDidNotTakeInTheSpool) {
  auto shipper = MakeShipper(true);
  shipper->Start();
  receiver_.Stop();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  shipper->Enqueue("/finish", R"({"exit_code":0})");
  const auto result = shipper->Shutdown(std::chrono::steady_clock::now() + milliseconds(2000));
  EXPECT_FALSE(result.all_shipped);
  EXPECT_EQ(result.unsent_rows, 1u);
  EXPECT_EQ(result.spool_directory, directory_.run());
  auto contents = ReadSpool(directory_.run());
  ASSERT_TRUE(contents) << contents.error().message;
  ASSERT_EQ(contents->records.size(), 3u);
  EXPECT_EQ(contents->records[0].kind, "register");
  EXPECT_EQ(contents->records[1].path, "/history");
  EXPECT_EQ(contents->records[1].content_type, core::history_encoding::kContentType);
  auto batch = core::history_encoding::DecodeBody(contents->records[1].body);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->rows.size(), 1u);
  EXPECT_EQ(batch->rows[0].values.dump(), R"({"loss":0.5})");
  EXPECT_EQ(contents->records[2].path, "/finish");
  EXPECT_EQ(contents->records[2].content_type, kJsonContentType);
}

TEST_F(ShipperSpoolTest, OfflineRecordsEverythingInOrderAndSendsNothing) {
  auto shipper = MakeShipper(false);
  shipper->Enqueue("/start", "{}");
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  shipper->Enqueue("/alert", R"({"title":"t"})");
  buffer_.Append({{"loss", 0.4}}, std::nullopt);
  shipper->Start();
  buffer_.Append({{"loss", 0.3}}, std::nullopt);
  shipper->Enqueue("/finish", R"({"exit_code":0})");
  const auto result = shipper->Shutdown(std::chrono::steady_clock::now() + milliseconds(2000));
  EXPECT_FALSE(result.all_shipped);
  EXPECT_EQ(result.spool_directory, directory_.run());
  EXPECT_TRUE(receiver_.Requests().empty());
  auto contents = ReadSpool(directory_.run());
  ASSERT_TRUE(contents) << contents.error().message;
  std::vector<std::string> paths;
  size_t rows = 0;
  for (const auto& record : contents->records) {
    paths.push_back(record.kind == "register" ? "register" : record.path);
    rows += record.rows;
  }
  // Each request sits between the rows logged before it and those logged after it.
  ASSERT_GE(paths.size(), 6u);
  EXPECT_EQ(paths[0], "register");
  EXPECT_EQ(paths[1], "/start");
  EXPECT_EQ(paths[2], "/history");
  EXPECT_EQ(paths[3], "/alert");
  EXPECT_EQ(paths[4], "/history");
  EXPECT_EQ(paths.back(), "/finish");
  EXPECT_EQ(rows, 3u);
}

TEST(DisabledShipper, DiscardsRowsAndRequests) {
  LogBuffer buffer{2};
  Shipper shipper(buffer, nullptr, kRunPath, ShipperOptions{});
  buffer.Append({{"loss", 0.5}}, std::nullopt);
  shipper.Wake();
  EXPECT_EQ(buffer.pending_rows(), 0u);
  EXPECT_TRUE(shipper.Enqueue("/alert", R"({"title":"t"})"));
}

}  // namespace
}  // namespace runhook::sdk
