// Black-box tests of `runhook template render` (run through the template-only CLI binary).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct Outcome {
  std::string output;
  int status;
};

Outcome RunCli(const std::string& arguments, const std::string& input = "") {
  std::string command = std::string("'") + RUNHOOK_TEMPLATE_CLI + "' template render " + arguments;
  if (!input.empty()) command = "printf '%s' '" + input + "' | " + command;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer;
  size_t read;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), read);
  int status = pclose(pipe);
  return {output, WEXITSTATUS(status)};
}

TEST(TemplateCommand, PrintsExactlyTheRenderedText) {
  Outcome outcome = RunCli("--template '{{ run.id }}!' --context '{\"run\": {\"id\": \"x1\"}}'");
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.output, "x1!");
}

TEST(TemplateCommand, StrictUndefinedExitsNonZero) {
  Outcome outcome = RunCli("--template '{{ nope }}' --undefined strict");
  EXPECT_NE(outcome.status, 0);
  EXPECT_EQ(outcome.output, "");
}

TEST(TemplateCommand, JsonLines) {
  Outcome outcome = RunCli("--jsonl",
                           "{\"template\": \"{{ 1 + x }}\", \"context\": {\"x\": 2}}\n"
                           "{\"template\": \"{{ y }}\", \"undefined\": \"strict\"}\n");
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.output,
            "{\"output\":\"3\"}\n"
            "{\"error\":{\"type\":\"UndefinedError\",\"message\":\"'y' is undefined at line 1, "
            "column 4\"}}\n");
}

}  // namespace
