#include "sdk/local_server.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace runhook::sdk {
namespace {

using Candidates = std::vector<std::string>;

TEST(ServerBinaryCandidates, ProgramDirectoryThenBuildTreeThenPath) {
  EXPECT_EQ(ServerBinaryCandidates("", "/opt/train/bin", "/src/build/bin/runhook",
                                   "/usr/local/bin::/usr/bin"),
            (Candidates{"/opt/train/bin/runhook", "/src/build/bin/runhook",
                        "/usr/local/bin/runhook", "/usr/bin/runhook"}));
}

TEST(ServerBinaryCandidates, OverrideIsTheOnlyCandidate) {
  EXPECT_EQ(ServerBinaryCandidates("/custom/runhook", "/opt/train/bin", "/src/build/bin/runhook",
                                   "/usr/bin"),
            Candidates{"/custom/runhook"});
}

TEST(ServerBinaryCandidates, EmptyInputsAreSkipped) {
  EXPECT_EQ(ServerBinaryCandidates("", "", "", ""), Candidates{});
  EXPECT_EQ(ServerBinaryCandidates("", "", "", ":/bin:"), Candidates{"/bin/runhook"});
}

}  // namespace
}  // namespace runhook::sdk
