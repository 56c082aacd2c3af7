// Init, Log and Finish end to end against a real local HTTP receiver.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>

#include "runhook/runhook.h"
#include "support/scoped_environment.h"
#include "test_receiver.h"

namespace runhook {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::HasVerb;
using testing::TestReceiver;

Options QuietOptions(const TestReceiver& receiver) {
  return Options{.project = "webhook-demo",
                 .entity = "alice",
                 .job_type = "training",
                 .config = {{"learning_rate", 0.001}, {"epochs", 3}},
                 .hooks = {Hook{.run_state = {"finished"},
                                .url = "https://example.com/recv",
                                .body = R"({"run_id": "{{run.id}}"})",
                                .name = "notify"}},
                 .server_url = receiver.url(),
                 .quiet = true};
}

using test_support::ScopedEnvironment;

TEST(Init, RegistersTheRunThenStartsIt) {
  TestReceiver receiver;
  Options options = QuietOptions(receiver);
  options.id = "abc12345";
  options.name = "bright-river-12";
  auto run = Init(options);
  auto requests = receiver.Requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/api/v1/runs");
  const Json& body = requests[0].body;
  EXPECT_EQ(body["entity"], "alice");
  EXPECT_EQ(body["project"], "webhook-demo");
  EXPECT_EQ(body["id"], "abc12345");
  EXPECT_EQ(body["name"], "bright-river-12");
  EXPECT_EQ(body["job_type"], "training");
  EXPECT_FALSE(body["host"].get<std::string>().empty());
  EXPECT_EQ(body["config"], options.config);
  ASSERT_EQ(body["hooks"].size(), 1u);
  EXPECT_EQ(body["hooks"][0]["name"], "notify");
  EXPECT_EQ(body["hooks"][0]["run_state"], Json::array({"finished"}));
  EXPECT_EQ(body["hooks"][0]["body"], R"({"run_id": "{{run.id}}"})");
  EXPECT_EQ(requests[1].path, "/api/v1/runs/alice/webhook-demo/abc12345/start");
  EXPECT_EQ(run.Id(), "abc12345");
  EXPECT_EQ(run.Url(), receiver.url() + "/alice/webhook-demo/runs/abc12345");
}

TEST(Init, GeneratesIdAndNameAndTakesEntityAndServerFromEnvironment) {
  TestReceiver receiver;
  ScopedEnvironment entity("RUNHOOK_ENTITY", "team-ml");
  ScopedEnvironment url("RUNHOOK_URL", receiver.url().c_str());
  auto run = Init({.project = "demo", .quiet = true});
  EXPECT_EQ(run.Entity(), "team-ml");
  EXPECT_EQ(run.Id().size(), 8u);
  EXPECT_FALSE(run.Name().empty());
  EXPECT_EQ(receiver.Requests("runs").at(0).body["entity"], "team-ml");
}

TEST(Init, FallsBackToTheOsUserNameForTheEntity) {
  TestReceiver receiver;
  ScopedEnvironment entity("RUNHOOK_ENTITY", nullptr);
  auto run = Init({.project = "demo", .server_url = receiver.url(), .quiet = true});
  EXPECT_FALSE(run.Entity().empty());
}

TEST(Init, PrintsOneLineWithNameIdAndUrl) {
  TestReceiver receiver;
  Options options = QuietOptions(receiver);
  options.quiet = false;
  options.id = "abc12345";
  options.name = "bright-river-12";
  ::testing::internal::CaptureStdout();
  auto run = Init(options);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "runhook: run bright-river-12 (abc12345) at " + receiver.url() +
                "/alice/webhook-demo/runs/abc12345\n");
}

TEST(Init, ThrowsWithTheServerMessageWhenTheServerRefuses) {
  TestReceiver receiver;
  receiver.RefuseRuns(409, "conflict", "run 'abc12345' already exists in alice/webhook-demo");
  Options options = QuietOptions(receiver);
  options.id = "abc12345";
  try {
    Init(options);
    FAIL() << "Init succeeded although the server refused";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(receiver.url()), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 409: run 'abc12345' already exists"), std::string::npos)
        << message;
  }
}

TEST(Init, ThrowsNamingTheServerWhenItIsUnreachable) {
  std::string url;
  {
    TestReceiver receiver;
    url = receiver.url();
  }
  Options options{.server_url = url, .quiet = true};
  const auto start = Clock::now();
  try {
    Init(options);
    FAIL() << "Init succeeded without a server";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot reach the runhook server at " + url),
              std::string::npos)
        << error.what();
  }
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

TEST(Init, RejectsAnInvalidProjectName) {
  EXPECT_THROW(Init({.project = "no spaces/allowed", .quiet = true}), Error);
}

TEST(Logging, ShipsLoggedRowsWithinTheIntervalWithoutFinish) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  run.Log({{"loss", 0.5}, {"epoch", 0}});
  run.Log({{"loss", 0.4}, {"epoch", 0}});
  ASSERT_TRUE(receiver.WaitForHistoryRows(2, milliseconds(2000)));
  auto rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (Json{{"step", 1}, {"values", {{"loss", 0.4}, {"epoch", 0}}}}));
}

TEST(Finishing, FinishShipsEveryRowInOrderInBatchesThenRecordsTheFinalState) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  for (int step = 0; step < 2500; ++step)
    run.Log({{"loss", 1.0 / (step + 1)}, {"epoch", step / 1000}});
  run.Finish();
  auto rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), 2500u);
  for (int step = 0; step < 2500; ++step) ASSERT_EQ(rows[step]["step"], step);
  std::set<std::string> batch_ids;
  for (const auto& request : receiver.Requests("history")) {
    EXPECT_LE(request.body["rows"].size(), 1000u);
    EXPECT_TRUE(batch_ids.insert(request.body["batch_id"].get<std::string>()).second);
  }
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.back().verb, "finish");
  EXPECT_EQ(requests.back().body, (Json{{"exit_code", 0}}));
  EXPECT_EQ(requests.back().path, "/api/v1/runs/alice/webhook-demo/" + run.Id() + "/finish");
}

TEST(Finishing, FinishWithNonZeroExitCodeSendsIt) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  run.Finish(1);
  EXPECT_EQ(receiver.Requests("finish").at(0).body,
            (Json{{"exit_code", 1}, {"reason", "exit_code"}}));
}

TEST(Finishing, FinishIsIdempotentAndTheDestructorDoesNotFinishAgain) {
  TestReceiver receiver;
  {
    auto run = Init(QuietOptions(receiver));
    run.Finish();
    run.Finish(1);
  }
  auto finishes = receiver.Requests("finish");
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(finishes[0].body["exit_code"], 0);
}

TEST(Finishing, DestructorFinishesTheRunWithExitCodeZero) {
  TestReceiver receiver;
  {
    auto run = Init(QuietOptions(receiver));
    run.Log({{"loss", 0.1}});
  }
  ASSERT_EQ(receiver.Requests("finish").size(), 1u);
  EXPECT_EQ(receiver.HistoryRows().size(), 1u);
}

TEST(Shipping, RetriesAHistoryBatchAfterServerErrorsWithTheSameBatchId) {
  TestReceiver receiver;
  receiver.FailHistory(2, 503);
  auto run = Init(QuietOptions(receiver));
  run.Log({{"loss", 0.5}});
  run.Finish();
  auto attempts = receiver.Requests("history");
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].body["batch_id"], attempts[2].body["batch_id"]);
  EXPECT_EQ(receiver.HistoryRows().size(), 1u);
  EXPECT_EQ(receiver.Requests("finish").size(), 1u);
}

TEST(Finishing, FinishReturnsWithinOneSecondWhenTheServerIsDown) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));  // default finish_timeout: 10 s
  run.Log({{"loss", 0.5}});
  receiver.Stop();
  ::testing::internal::CaptureStdout();
  const auto start = Clock::now();
  run.Finish();
  const auto elapsed = Clock::now() - start;
  const std::string printed = ::testing::internal::GetCapturedStdout();
  EXPECT_LT(elapsed, milliseconds(1000));
  EXPECT_NE(printed.find("runhook: could not confirm run"), std::string::npos) << printed;
  EXPECT_NE(printed.find(receiver.url()), std::string::npos) << printed;
}

TEST(Logging, LogNeverBlocksWhileTheServerHangs) {
  TestReceiver receiver;
  receiver.HangHistory(true);
  Options options = QuietOptions(receiver);
  options.finish_timeout = milliseconds(300);
  auto run = Init(options);
  run.Log({{"loss", 1.0}});
  // The shipping thread is now waiting on an answer that does not come.
  ASSERT_TRUE(receiver.WaitFor([&](const auto& requests) { return HasVerb(requests, "history"); },
                               milliseconds(2000)));
  auto slowest = Clock::duration::zero();
  const auto start = Clock::now();
#ifdef __SANITIZE_THREAD__
  constexpr int kCalls = 2000;  // ThreadSanitizer makes each call 10-50 times slower
#else
  constexpr int kCalls = 20000;
#endif
  for (int step = 0; step < kCalls; ++step) {
    const auto before = Clock::now();
    run.Log({{"loss", 0.5}, {"epoch", 1}});
    slowest = std::max(slowest, Clock::now() - before);
  }
  // A Log that waited on the network would wait for the hung request's 10 s timeout; the
  // bounds are loose so a loaded machine or a sanitizer build does not trip them.
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_LT(slowest, milliseconds(1000));
  EXPECT_EQ(receiver.Requests("history").size(), 1u) << "the server was meant to still hang";
  ::testing::internal::CaptureStdout();
  const auto finish_start = Clock::now();
  run.Finish();
  EXPECT_LT(Clock::now() - finish_start, milliseconds(1000));
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("could not confirm"), std::string::npos);
  receiver.HangHistory(false);
}

TEST(Logging, KeepsSummaryAndConfigLocally) {
  TestReceiver receiver;
  Options options = QuietOptions(receiver);
  auto run = Init(options);
  run.Log({{"loss", 0.5}, {"epoch", 0}});
  run.Log({{"loss", 0.25}});
  run.Log(Json{{"accuracy", 0.9}});
  EXPECT_EQ(run.Summary(), (Json{{"loss", 0.25}, {"epoch", 0}, {"accuracy", 0.9}}));
  EXPECT_EQ(run.Config(), options.config);
}

TEST(Logging, LogOfANonObjectJsonThrows) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  EXPECT_THROW(run.Log(Json::array({1, 2})), Error);
}

TEST(Finishing, MovedRunFinishesOnce) {
  TestReceiver receiver;
  {
    auto first = Init(QuietOptions(receiver));
    auto second = std::move(first);
    second.Log({{"loss", 0.5}});
  }
  EXPECT_EQ(receiver.Requests("finish").size(), 1u);
}

class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

TEST(Finishing, DestructorDuringUnwindingFailsTheRunWithTheException) {
  TestReceiver receiver;
  try {
    auto run = Init(QuietOptions(receiver));
    run.Log({{"loss", 0.5}});
    throw TrainingDiverged("loss is NaN at step 1");
  } catch (const TrainingDiverged&) {
  }
  auto finishes = receiver.Requests("finish");
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(finishes[0].body, (Json{{"exit_code", 1},
                                    {"reason", "exception"},
                                    {"error",
                                     {{"type", "runhook::(anonymous namespace)::TrainingDiverged"},
                                      {"message", "loss is NaN at step 1"}}}}));
  EXPECT_EQ(receiver.HistoryRows().size(), 1u);  // flushed before the final state
}

TEST(Finishing, DestructorAfterACaughtExceptionFinishesNormally) {
  TestReceiver receiver;
  {
    auto run = Init(QuietOptions(receiver));
    try {
      throw TrainingDiverged("handled by the training loop");
    } catch (const TrainingDiverged&) {
    }
  }
  auto finishes = receiver.Requests("finish");
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(finishes[0].body, (Json{{"exit_code", 0}}));
}

TEST(Finishing, RunCreatedInADestructorDuringUnwindingFinishesNormally) {
  TestReceiver receiver;
  struct CreatesARun {
    TestReceiver& receiver;
    ~CreatesARun() {
      auto run = Init(QuietOptions(receiver));  // unwinding already when Init runs
    }
  };
  try {
    CreatesARun creates{receiver};
    throw TrainingDiverged("outer");
  } catch (const TrainingDiverged&) {
  }
  ASSERT_EQ(receiver.Requests("finish").size(), 1u);
  EXPECT_EQ(receiver.Requests("finish")[0].body, (Json{{"exit_code", 0}}));
}

TEST(Alerts, AreSentByTheBackgroundThreadAfterTheRowsLoggedBeforeThem) {
  TestReceiver receiver;
  receiver.HangHistory(true);
  auto run = Init(QuietOptions(receiver));
  run.Log({{"loss", 0.5}});
  const auto before = Clock::now();
  run.Alert("loss diverged", "at step 0", AlertLevel::kWarn, std::chrono::minutes(5));
  EXPECT_LT(Clock::now() - before, milliseconds(50));  // queued, not sent by the caller
  ASSERT_TRUE(receiver.WaitFor(
      [](const auto& requests) { return !requests.empty() && requests.back().verb == "history"; }));
  EXPECT_TRUE(receiver.Requests("alert").empty());  // waits behind the held history batch
  receiver.HangHistory(false);
  ASSERT_TRUE(receiver.WaitFor([](const auto& requests) {
    for (const auto& request : requests)
      if (request.verb == "alert") return true;
    return false;
  }));
  EXPECT_EQ(receiver.Requests("alert")[0].body, (Json{{"title", "loss diverged"},
                                                      {"text", "at step 0"},
                                                      {"level", "WARN"},
                                                      {"wait_duration", 300.0}}));
  EXPECT_EQ(receiver.Requests("alert")[0].path,
            "/api/v1/runs/alice/webhook-demo/" + run.Id() + "/alert");
}

TEST(Alerts, RejectAnEmptyTitleAndANegativeWait) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  EXPECT_THROW(run.Alert(""), Error);
  EXPECT_THROW(run.Alert("late", "", AlertLevel::kInfo, std::chrono::seconds(-1)), Error);
}

TEST(Alerts, AfterFinishAreIgnored) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  run.Finish();
  run.Alert("too late");
  EXPECT_TRUE(receiver.Requests("alert").empty());
}

TEST(Resume, SendsTheModeAndContinuesAfterTheServersLastStep) {
  TestReceiver receiver;
  receiver.ResumeRuns(41);
  Options options = QuietOptions(receiver);
  options.id = "resumed1";
  options.resume = "allow";
  auto run = Init(options);
  EXPECT_EQ(receiver.Requests("runs").at(0).body["resume"], "allow");
  run.Log({{"loss", 0.1}});
  run.Log({{"loss", 0.05}});
  run.Finish();
  auto rows = receiver.HistoryRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["step"], 42);
  EXPECT_EQ(rows[1]["step"], 43);
}

TEST(Resume, WithoutAModeSendsNone) {
  TestReceiver receiver;
  auto run = Init(QuietOptions(receiver));
  EXPECT_FALSE(receiver.Requests("runs").at(0).body.contains("resume"));
}

TEST(Resume, RejectsAnUnknownModeAndMustWithoutId) {
  TestReceiver receiver;
  Options options = QuietOptions(receiver);
  options.resume = "sometimes";
  try {
    Init(options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "resume 'sometimes' is not one of allow, must, never");
  }
  options.resume = "must";
  try {
    Init(options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "resume=\"must\" needs Options::id: the id of the run to resume");
  }
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST(Resume, ARefusalNamesTheRunAndTheMode) {
  TestReceiver receiver;
  receiver.RefuseRuns(404, "not_found",
                      "run alice/webhook-demo/gone1234 does not exist; resume=\"must\" needs an "
                      "existing run");
  Options options = QuietOptions(receiver);
  options.id = "gone1234";
  options.resume = "must";
  try {
    Init(options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(
        std::string(error.what())
            .find(
                "refused to resume run 'alice/webhook-demo/gone1234' (resume=\"must\"): HTTP 404"),
        std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace runhook
