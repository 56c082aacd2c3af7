// `runhook listen` as a real process (the listen-only probe executable): it prints its address,
// records requests to stdout and the JSON lines file, answers with the chosen status, and stops
// cleanly on SIGTERM and SIGINT.
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "delivery/dispatcher.h"
#include "delivery/signature.h"
#include "store_helpers.h"

extern char** environ;

namespace runhook::cli {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The probe process with its stdout on a pipe. Kills the process if the test did not stop it.
class ListenProcess {
 public:
  explicit ListenProcess(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {RUNHOOK_LISTEN_PROBE, "listen"});
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    stdout_fd_ = pipe_fds[0];
    if (spawned != 0) throw std::runtime_error("posix_spawn failed");
  }

  ~ListenProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_fd_);
  }

  // Reads stdout until it holds `text` or `timeout` passes; returns everything read so far.
  std::string ReadUntil(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (output_.find(text) == std::string::npos && Clock::now() < deadline) {
      pollfd readable{stdout_fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (poll(&readable, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) continue;
      char buffer[4096];
      const ssize_t count = read(stdout_fd_, buffer, sizeof buffer);
      if (count <= 0) break;
      output_.append(buffer, static_cast<size_t>(count));
    }
    return output_;
  }

  // The port from the "listening on http://127.0.0.1:PORT" line.
  int WaitForPort() {
    const std::string prefix = "listening on http://127.0.0.1:";
    const std::string output = ReadUntil("\n", 10s);
    if (output.rfind(prefix, 0) != 0) return -1;
    return std::stoi(output.substr(prefix.size()));
  }

  // Sends `signal` and waits for the exit; the exit status, or nullopt on timeout or a crash.
  std::optional<int> StopWith(int signal, std::chrono::milliseconds timeout) {
    kill(pid_, signal);
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return std::nullopt;
      }
      std::this_thread::sleep_for(10ms);  // polling the child's exit, not a wait for an effect
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string output_;
};

std::filesystem::path TemporaryJsonlPath(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         (name + "-" + std::to_string(getpid()) + ".jsonl");
}

std::vector<Json> ReadJsonLines(const std::filesystem::path& path, size_t count,
                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<Json> lines;
  while (Clock::now() < deadline) {
    lines.clear();
    std::ifstream file(path);
    for (std::string line; std::getline(file, line);) lines.push_back(Json::parse(line));
    if (lines.size() >= count) break;
    std::this_thread::sleep_for(10ms);  // tailing the file
  }
  return lines;
}

TEST(ListenCommand, RecordsRequestsAndAnswersWithTheChosenStatus) {
  const auto jsonl = TemporaryJsonlPath("listen-records");
  std::filesystem::remove(jsonl);
  ListenProcess listen({"--port", "0", "--jsonl", jsonl.string(), "--status", "202"});
  const int port = listen.WaitForPort();
  ASSERT_GT(port, 0) << listen.ReadUntil("\n", 0ms);

  httplib::Client client("127.0.0.1", port);
  auto posted = client.Post("/hooks/finished?run=abc&x=1", {{"webhook-id", "msg_123"}},
                            R"({"run_id": "abc"})", "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 202);
  auto got = client.Get("/ping");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 202);

  const std::vector<Json> lines = ReadJsonLines(jsonl, 2, 10s);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["method"], "POST");
  EXPECT_EQ(lines[0]["path"], "/hooks/finished");
  EXPECT_EQ(lines[0]["query"], "run=abc&x=1");
  EXPECT_EQ(lines[0]["headers"]["webhook-id"], "msg_123");
  EXPECT_EQ(lines[0]["headers"]["Content-Type"], "application/json");
  EXPECT_FALSE(lines[0]["headers"].contains("REMOTE_ADDR"));
  EXPECT_EQ(lines[0]["body"], R"({"run_id": "abc"})");
  EXPECT_TRUE(lines[0]["received_at"].is_string());
  EXPECT_EQ(lines[1]["method"], "GET");
  EXPECT_EQ(lines[1]["path"], "/ping");
  EXPECT_EQ(lines[1]["query"], "");

  const std::string printed = listen.ReadUntil("GET /ping", 10s);
  EXPECT_NE(printed.find("POST /hooks/finished?run=abc&x=1"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\"run_id\": \"abc\""), std::string::npos) << printed;
  EXPECT_EQ(listen.StopWith(SIGTERM, 10s), std::optional<int>(0));
  std::filesystem::remove(jsonl);
}

TEST(ListenCommand, SecretVerifiesEachRequestAndReportsTheVerdict) {
  constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const auto jsonl = TemporaryJsonlPath("listen-secret");
  std::filesystem::remove(jsonl);
  ListenProcess listen({"--port", "0", "--jsonl", jsonl.string(), "--secret", kSecret});
  const int port = listen.WaitForPort();
  ASSERT_GT(port, 0) << listen.ReadUntil("\n", 0ms);

  const std::string body = R"({"run_id": "abc"})";
  const int64_t now = core::NowUnixMillis() / 1000;
  const std::string signature =
      delivery::MakeSignatureHeader({kSecret}, "msg_good", now, body).value();
  httplib::Client client("127.0.0.1", port);
  const auto post = [&](const std::string& path, const httplib::Headers& headers,
                        const std::string& content) {
    auto response = client.Post(path, headers, content, "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
  };
  const httplib::Headers good = {{"webhook-id", "msg_good"},
                                 {"webhook-timestamp", std::to_string(now)},
                                 {"webhook-signature", signature}};
  post("/signed", good, body);
  post("/tampered", good, R"({"run_id": "xyz"})");
  post("/unsigned", {}, body);
  const httplib::Headers stale = {
      {"webhook-id", "msg_old"},
      {"webhook-timestamp", std::to_string(now - 3600)},
      {"webhook-signature",
       delivery::MakeSignatureHeader({kSecret}, "msg_old", now - 3600, body).value()}};
  post("/stale", stale, body);

  const std::vector<Json> lines = ReadJsonLines(jsonl, 4, 10s);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["signature"], "valid");
  EXPECT_EQ(lines[1]["signature"], "invalid: no v1 signature matches the secret");
  EXPECT_EQ(lines[2]["signature"], "invalid: no webhook-id header");
  // The listener measures the age when the request arrives, which may be a second after `now`.
  const std::string stale_verdict = lines[3]["signature"].get<std::string>();
  EXPECT_TRUE(stale_verdict == "invalid: webhook-timestamp is 3600 s old (more than 300 s)" ||
              stale_verdict == "invalid: webhook-timestamp is 3601 s old (more than 300 s)")
      << stale_verdict;

  const std::string printed = listen.ReadUntil("POST /stale", 10s);
  EXPECT_NE(printed.find("POST /signed\nsignature: valid\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("POST /tampered\nsignature: INVALID (no v1 signature matches the "
                         "secret)\n"),
            std::string::npos)
      << printed;
  EXPECT_EQ(listen.StopWith(SIGTERM, 10s), std::optional<int>(0));
  std::filesystem::remove(jsonl);
}

TEST(ListenCommand, SecretThatIsNotAWhsecValueIsRefusedAtStart) {
  ListenProcess listen({"--port", "0", "--secret", "hunter2"});
  EXPECT_EQ(listen.StopWith(0, 10s), std::optional<int>(1));  // signal 0: just wait for the exit
}

TEST(ListenCommand, VerifiesWhatTheDispatcherSigns) {
  constexpr const char* kSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  const auto jsonl = TemporaryJsonlPath("listen-dispatcher-signed");
  std::filesystem::remove(jsonl);
  ListenProcess listen({"--port", "0", "--jsonl", jsonl.string(), "--secret", kSecret});
  const int port = listen.WaitForPort();
  ASSERT_GT(port, 0);

  auto store = delivery::testing::OpenMemoryStore();
  auto draft =
      delivery::testing::MakeDraft("http://127.0.0.1:" + std::to_string(port) + "/from-runhook");
  draft.body = R"({"state": "finished"})";
  const int64_t id = delivery::testing::AddDelivery(*store, draft, kSecret);
  delivery::Dispatcher dispatcher(*store, delivery::DispatcherOptions{});
  dispatcher.Start();
  ASSERT_EQ(delivery::testing::WaitUntilSettled(*store, id, 10s).state,
            core::DeliveryState::kDelivered);

  const std::vector<Json> lines = ReadJsonLines(jsonl, 1, 10s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["signature"], "valid");
  EXPECT_TRUE(dispatcher.Shutdown(5s));
  EXPECT_EQ(listen.StopWith(SIGTERM, 10s), std::optional<int>(0));
  std::filesystem::remove(jsonl);
}

TEST(ListenCommand, StopsCleanlyOnSigint) {
  ListenProcess listen({"--port", "0"});
  ASSERT_GT(listen.WaitForPort(), 0);
  EXPECT_EQ(listen.StopWith(SIGINT, 10s), std::optional<int>(0));
}

TEST(ListenCommand, StopsCleanlyOnSigtermRightAfterStarting) {
  ListenProcess listen({"--port", "0"});
  ASSERT_GT(listen.WaitForPort(), 0);  // the line comes before the accept loop starts
  EXPECT_EQ(listen.StopWith(SIGTERM, 10s), std::optional<int>(0));
}

TEST(ListenCommand, FailsWhenThePortIsTaken) {
  httplib::Server holder;
  const int port = holder.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  ListenProcess listen({"--port", std::to_string(port)});
  EXPECT_EQ(listen.StopWith(0, 10s), std::optional<int>(1));  // signal 0: just wait for the exit
}

TEST(ListenCommand, ReceivesABurstFromTheDispatcher) {
  const auto jsonl = TemporaryJsonlPath("listen-burst");
  std::filesystem::remove(jsonl);
  ListenProcess listen({"--port", "0", "--jsonl", jsonl.string()});
  const int port = listen.WaitForPort();
  ASSERT_GT(port, 0);

  auto store = delivery::testing::OpenMemoryStore();
  std::vector<core::DeliveryDraft> drafts;
  std::set<std::string> sent_ids;
  for (int i = 0; i < 100; ++i) {
    drafts.push_back(delivery::testing::MakeDraft("http://127.0.0.1:" + std::to_string(port) +
                                                  "/burst?n=" + std::to_string(i)));
    drafts.back().headers = {{"Content-Type", "application/json"}};
    drafts.back().body = "{\"n\": " + std::to_string(i) + "}";
    sent_ids.insert(drafts.back().webhook_id);
  }
  const std::vector<int64_t> ids = delivery::testing::AddDeliveries(*store, drafts);
  delivery::Dispatcher dispatcher(*store, delivery::DispatcherOptions{});
  dispatcher.Start();

  const std::vector<Json> lines = ReadJsonLines(jsonl, drafts.size(), 20s);
  ASSERT_EQ(lines.size(), drafts.size());
  std::set<std::string> received_ids;
  for (const Json& line : lines) {
    received_ids.insert(line["headers"]["webhook-id"].get<std::string>());
    EXPECT_EQ(line["headers"]["User-Agent"], "runhook/" RUNHOOK_VERSION);
    EXPECT_EQ(line["body"], "{\"n\": " + line["query"].get<std::string>().substr(2) + "}");
  }
  EXPECT_EQ(received_ids, sent_ids);
  for (int64_t id : ids)
    EXPECT_EQ(delivery::testing::WaitUntilSettled(*store, id, 10s).state,
              core::DeliveryState::kDelivered);
  EXPECT_TRUE(dispatcher.Shutdown(5s));
  EXPECT_EQ(listen.StopWith(SIGTERM, 10s), std::optional<int>(0));
  std::filesystem::remove(jsonl);
}

}  // namespace
}  // namespace runhook::cli
