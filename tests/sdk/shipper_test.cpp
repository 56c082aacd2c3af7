// The shipping thread on its own: heartbeat, flush, retry, and deadlines that always hold.
#include "sdk/shipper.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "core/history_encoding.h"
#include "test_receiver.h"

namespace runhook::sdk {
namespace {

using std::chrono::milliseconds;
using testing::RecordedRequest;
using testing::TestReceiver;

constexpr const char* kRunPath = "/api/v1/runs/alice/demo/abc12345";

class ShipperTest : public ::testing::Test {
 protected:
  std::unique_ptr<Shipper> MakeShipper(ShipperOptions options = {}) {
    return std::make_unique<Shipper>(buffer_, std::make_unique<HttpClient>(receiver_.url(), ""),
                                     kRunPath, options);
  }

  TestReceiver receiver_;
  LogBuffer buffer_{1000};
};

TEST_F(ShipperTest, SendsHeartbeatsWhileIdle) {
  auto shipper = MakeShipper({.heartbeat_interval = milliseconds(50)});
  shipper->Start();
  EXPECT_TRUE(receiver_.WaitFor([](const auto& requests) {
    int beats = 0;
    for (const auto& request : requests) beats += request.verb == "heartbeat";
    return beats >= 2;
  }));
  EXPECT_EQ(receiver_.Requests().at(0).path, std::string(kRunPath) + "/heartbeat");
}

TEST_F(ShipperTest, FlushReturnsOnceTheServerAcknowledgedEverything) {
  auto shipper = MakeShipper({.ship_interval = milliseconds(60'000)});
  shipper->Start();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  buffer_.Append({{"loss", 0.4}}, std::nullopt);
  EXPECT_TRUE(shipper->Flush(std::chrono::steady_clock::now() + milliseconds(2000)));
  EXPECT_EQ(receiver_.HistoryRows().size(), 2u);
}

TEST_F(ShipperTest, WakeShipsAFullBatchBeforeTheInterval) {
  auto shipper = MakeShipper({.ship_interval = milliseconds(60'000)});
  shipper->Start();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  shipper->Wake();
  EXPECT_TRUE(receiver_.WaitFor([](const auto& requests) { return !requests.empty(); }));
  EXPECT_EQ(receiver_.Requests().at(0).verb, "history");
}

TEST_F(ShipperTest, FlushGivesUpAtItsDeadlineWhileTheServerHangs) {
  receiver_.HangHistory(true);
  auto shipper = MakeShipper();
  shipper->Start();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(shipper->Flush(start + milliseconds(200)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  const auto result = shipper->Shutdown(std::chrono::steady_clock::now() + milliseconds(100));
  EXPECT_FALSE(result.all_shipped);
  EXPECT_EQ(result.unsent_rows, 1u);
  receiver_.HangHistory(false);
}

TEST_F(ShipperTest, ShutdownKeepsRetryingServerErrorsUntilItsDeadline) {
  receiver_.FailHistory(1'000'000, 503);
  auto shipper = MakeShipper();
  shipper->Start();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  const auto result = shipper->Shutdown(start + milliseconds(400));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, milliseconds(1000));
  EXPECT_FALSE(result.all_shipped);
  EXPECT_EQ(result.unsent_rows, 1u);
  EXPECT_EQ(result.last_error, "HTTP 503: try again");
  EXPECT_GE(receiver_.Requests("history").size(), 2u);
}

TEST_F(ShipperTest, ShutdownGivesUpAtOnceWhenConnectionsAreRefused) {
  auto shipper = MakeShipper();
  shipper->Start();
  receiver_.Stop();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  const auto result = shipper->Shutdown(start + milliseconds(10'000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_FALSE(result.all_shipped);
  EXPECT_FALSE(result.last_error.empty());
}

TEST_F(ShipperTest, DropsABatchTheServerRejectsAsInvalidWithAWarning) {
  receiver_.FailHistory(1, 400);
  auto shipper = MakeShipper();
  shipper->Start();
  buffer_.Append({{"loss", 0.5}}, std::nullopt);
  ::testing::internal::CaptureStderr();
  const auto result = shipper->Shutdown(std::chrono::steady_clock::now() + milliseconds(2000));
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("rejected 1 logged rows"),
            std::string::npos);
  EXPECT_TRUE(result.all_shipped);
  EXPECT_EQ(result.rejected_rows, 1u);
  EXPECT_EQ(receiver_.Requests("history").size(), 1u);
}

// The next batch is serialized while one is in flight: batches and an Enqueue'd request still
// reach the server in logged order, with a failed batch retried before anything behind it.
TEST_F(ShipperTest, KeepsTheOrderOfBatchesAndRequestsWhileTheNextIsSerializedAhead) {
  for (int64_t step = 0; step < 45; ++step) buffer_.Append({{"loss", 0.5}}, step);
  auto shipper = MakeShipper({.ship_interval = milliseconds(60'000),
                              .first_retry_delay = milliseconds(10),
                              .batch_rows = 10});
  ASSERT_TRUE(shipper->Enqueue("/alert", R"({"title": "half way"})"));
  for (int64_t step = 45; step < 100; ++step) buffer_.Append({{"loss", 0.5}}, step);
  receiver_.FailHistory(2, 503);
  shipper->Start();
  ASSERT_TRUE(shipper->Flush(std::chrono::steady_clock::now() + milliseconds(5000)));

  const std::vector<Json> rows = receiver_.HistoryRows();
  ASSERT_EQ(rows.size(), 100u);
  for (size_t index = 0; index < rows.size(); ++index)
    EXPECT_EQ(rows[index]["step"].get<int64_t>(), static_cast<int64_t>(index));
  bool alert_seen = false;
  for (const RecordedRequest& request : receiver_.Requests()) {
    if (request.verb == "alert") alert_seen = true;
    if (request.verb != "history") continue;
    for (const Json& row : request.body["rows"])
      EXPECT_EQ(row["step"].get<int64_t>() >= 45, alert_seen) << request.body.dump();
  }
  EXPECT_TRUE(alert_seen);
}

// Logs `steps` rows of 5 float metrics, ships them all, and returns the rows logged as JSON.
std::vector<Json> LogFiveMetrics(LogBuffer& buffer, int64_t steps) {
  std::vector<Json> logged;
  for (int64_t step = 0; step < steps; ++step) {
    Json values = {{"loss", 1.0 / (step + 1)},
                   {"accuracy", step * 0.001},
                   {"learning_rate", 0.001 * (1 + step % 7)},
                   {"gradient_norm", 3.25 + step * 0.5},
                   {"epoch_fraction", step / 1000.0}};
    buffer.Append(values, step);
    logged.push_back(Json{{"step", step}, {"values", values}});
  }
  return logged;
}

// Sets $RUNHOOK_COMPRESSION for the scope (unset when `value` is null).
class CompressionEnvironment {
 public:
  explicit CompressionEnvironment(const char* value) {
    if (value)
      setenv("RUNHOOK_COMPRESSION", value, 1);
    else
      unsetenv("RUNHOOK_COMPRESSION");
  }
  ~CompressionEnvironment() { unsetenv("RUNHOOK_COMPRESSION"); }
};

TEST_F(ShipperTest, CompressesHistoryWithZstdWhenRunhookCompressionSaysSo) {
  std::unique_ptr<Shipper> shipper;
  {
    CompressionEnvironment environment("zstd");
    shipper = MakeShipper({.ship_interval = milliseconds(60'000)});
  }
  const std::vector<Json> logged = LogFiveMetrics(buffer_, 900);
  shipper->Start();
  ASSERT_TRUE(shipper->Flush(std::chrono::steady_clock::now() + milliseconds(5000)));

  const std::vector<Json> rows = receiver_.HistoryRows();
  ASSERT_EQ(rows.size(), logged.size());
  for (size_t index = 0; index < rows.size(); ++index)
    EXPECT_EQ(rows[index].dump(), logged[index].dump()) << index;
  int compressed = 0;
  for (const RecordedRequest& request : receiver_.Requests("history")) {
    EXPECT_FALSE(request.body.is_discarded());
    compressed += request.content_encoding == "zstd";
  }
  EXPECT_GE(compressed, 1);
}

TEST_F(ShipperTest, SendsHistoryUncompressedToALoopbackServerByDefaultOrWithNone) {
  for (const char* value : {static_cast<const char*>(nullptr), "auto", "none"}) {
    TestReceiver receiver;
    LogBuffer buffer{1000};
    std::unique_ptr<Shipper> shipper;
    {
      CompressionEnvironment environment(value);
      shipper = std::make_unique<Shipper>(buffer, std::make_unique<HttpClient>(receiver.url(), ""),
                                          kRunPath, ShipperOptions{});
    }
    LogFiveMetrics(buffer, 900);
    shipper->Start();
    ASSERT_TRUE(shipper->Flush(std::chrono::steady_clock::now() + milliseconds(5000)));
    EXPECT_EQ(receiver.HistoryRows().size(), 900u);
    for (const RecordedRequest& request : receiver.Requests("history"))
      EXPECT_EQ(request.content_encoding, "") << (value ? value : "unset");
  }
}

TEST(HttpClientCompression, AutoCompressesLargeHistoryBodiesOnlyForARemoteServer) {
  EXPECT_TRUE(IsLoopbackUrl("http://127.0.0.1:5717"));
  EXPECT_TRUE(IsLoopbackUrl("http://localhost:5717/"));
  EXPECT_TRUE(IsLoopbackUrl("http://[::1]:5717"));
  EXPECT_FALSE(IsLoopbackUrl("https://runhook.example.com"));
  EXPECT_FALSE(IsLoopbackUrl("http://10.0.0.7:5717"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.example.com"));

  CompressionEnvironment environment(nullptr);
  HttpClient remote("http://10.0.0.7:5717", "");
  const std::string_view history = core::history_encoding::kContentType;
  EXPECT_TRUE(remote.Compresses(history, kMinCompressedBodyBytes));
  EXPECT_FALSE(remote.Compresses(history, kMinCompressedBodyBytes - 1));
  EXPECT_FALSE(remote.Compresses(kJsonContentType, 1 << 20));
  remote.set_compression(Compression::kNone);
  EXPECT_FALSE(remote.Compresses(history, 1 << 20));
  HttpClient loopback("http://127.0.0.1:5717", "");
  EXPECT_FALSE(loopback.Compresses(history, 1 << 20));
  loopback.set_compression(Compression::kZstd);
  EXPECT_TRUE(loopback.Compresses(history, 1 << 20));

  EXPECT_EQ(ParseCompression("", "x"), Compression::kAuto);
  EXPECT_EQ(ParseCompression("zstd", "x"), Compression::kZstd);
  try {
    ParseCompression("gzip", "$RUNHOOK_COMPRESSION");
    ADD_FAILURE() << "gzip was accepted";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "$RUNHOOK_COMPRESSION 'gzip' is not a compression (use auto, zstd or none)");
  }
}

}  // namespace
}  // namespace runhook::sdk
