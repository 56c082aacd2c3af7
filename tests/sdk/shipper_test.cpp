// The shipping thread on its own: heartbeat, flush, retry, and deadlines that always hold.
#include "sdk/shipper.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace runhook::sdk
