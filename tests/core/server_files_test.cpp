#include "core/server_files.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "support/scoped_environment.h"

namespace runhook::core {
namespace {

using test_support::ScopedEnvironment;

std::string TemporaryDirectory() {
  char pattern[] = "/tmp/server_files_test.XXXXXX";
  const char* made = mkdtemp(pattern);
  EXPECT_NE(made, nullptr);
  return made ? made : "";
}

TEST(ServerRecord, RoundTripsThroughItsFileFormat) {
  const ServerRecord record{.pid = 4242, .url = "http://127.0.0.1:5717"};
  EXPECT_EQ(FormatServerRecord(record), "4242\nhttp://127.0.0.1:5717\n");
  auto parsed = ParseServerRecord(FormatServerRecord(record));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->pid, 4242);
  EXPECT_EQ(parsed->url, "http://127.0.0.1:5717");
}

TEST(ServerRecord, RejectsWhatTheServerDoesNotWrite) {
  auto one_line = ParseServerRecord("4242");
  ASSERT_FALSE(one_line);
  EXPECT_NE(one_line.error().message.find("one line"), std::string::npos);
  auto bad_pid = ParseServerRecord("42x\nhttp://127.0.0.1:1\n");
  ASSERT_FALSE(bad_pid);
  EXPECT_NE(bad_pid.error().message.find("'42x' is not a process id"), std::string::npos);
  EXPECT_FALSE(ParseServerRecord("0\nhttp://127.0.0.1:1\n"));
  EXPECT_FALSE(ParseServerRecord("-5\nhttp://127.0.0.1:1\n"));
  auto bad_url = ParseServerRecord("12\n127.0.0.1:1\n");
  ASSERT_FALSE(bad_url);
  EXPECT_NE(bad_url.error().message.find("'127.0.0.1:1' is not an http(s) URL"), std::string::npos);
}

TEST(ServerRecord, WrittenAtomicallyAndReadBack) {
  const std::string dir = TemporaryDirectory();
  const ServerFiles files = ServerFilesIn(dir);
  EXPECT_EQ(files.record, dir + "/server.pid");
  auto missing = ReadServerRecord(files.record);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(WriteServerRecord(files.record, {.pid = 77, .url = "http://[::1]:80"}));
  auto read = ReadServerRecord(files.record);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->pid, 77);
  EXPECT_EQ(read->url, "http://[::1]:80");
  // Only the record is left: the temporary file was renamed over it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);

  std::ofstream(files.record) << "garbage";
  auto garbage = ReadServerRecord(files.record);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find(files.record), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(DefaultLocalPort, ComesFromTheEnvironmentOrIs5717) {
  {
    ScopedEnvironment unset("RUNHOOK_LOCAL_PORT", nullptr);
    EXPECT_EQ(DefaultLocalPort().value(), 5717);
    EXPECT_EQ(DefaultLocalServerUrl(), "http://127.0.0.1:5717");
  }
  {
    ScopedEnvironment set("RUNHOOK_LOCAL_PORT", "6123");
    EXPECT_EQ(DefaultLocalPort().value(), 6123);
    EXPECT_EQ(DefaultLocalServerUrl(), "http://127.0.0.1:6123");
  }
  for (const char* bad : {"0", "65536", "12ab", "-1"}) {
    ScopedEnvironment set("RUNHOOK_LOCAL_PORT", bad);
    auto port = DefaultLocalPort();
    ASSERT_FALSE(port) << bad;
    EXPECT_EQ(port.error().message,
              "RUNHOOK_LOCAL_PORT '" + std::string(bad) + "' is not a port number (1-65535)");
    EXPECT_EQ(DefaultLocalServerUrl(), "http://127.0.0.1:5717");
  }
}

}  // namespace
}  // namespace runhook::core
