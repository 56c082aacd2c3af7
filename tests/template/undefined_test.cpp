// The three undefined modes and the undefined_names report.
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::templating {
namespace {

using testing::ErrorType;
using testing::Render;

const char* kRun = R"({"run": {"summary": {"loss": 0.5}}})";

TEST(Undefined, DefaultPrintsEmptyAndReportsDottedName) {
  RenderResult result =
      Template::Compile("[{{ run.summary.accuracy }}][{{ missing }}]").Render(Json::parse(kRun));
  EXPECT_EQ(result.output, "[][]");
  EXPECT_EQ(result.undefined_names, (std::vector<std::string>{"run.summary.accuracy", "missing"}));
}

TEST(Undefined, DefaultFailsOnAttributeOfUndefined) {
  EXPECT_EQ(ErrorType("{{ run.nothing.deeper }}", kRun), "UndefinedError");
  EXPECT_EQ(ErrorType("{{ missing + 1 }}", kRun), "UndefinedError");
}

TEST(Undefined, ChainableReportsFullPath) {
  RenderResult result = Template::Compile("[{{ run.nothing.deeper }}]")
                            .Render(Json::parse(kRun), UndefinedMode::kChainable);
  EXPECT_EQ(result.output, "[]");
  EXPECT_EQ(result.undefined_names, (std::vector<std::string>{"run.nothing.deeper"}));
}

TEST(Undefined, StrictFailsWithJinjaMessage) {
  try {
    Template::Compile("{{ run.summary.accuracy }}")
        .Render(Json::parse(kRun), UndefinedMode::kStrict);
    FAIL() << "expected UndefinedError";
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "UndefinedError");
    EXPECT_EQ(error.message(), "'dict object' has no attribute 'accuracy'");
    EXPECT_EQ(error.line(), 1);
  }
}

TEST(Undefined, DefinedTestAndDefaultFilterDoNotReport) {
  RenderResult result =
      Template::Compile("{{ x is defined }}{{ x|default('d') }}").Render(Json::object());
  EXPECT_EQ(result.output, "Falsed");
  EXPECT_TRUE(result.undefined_names.empty());
  EXPECT_EQ(Render("{{ x is defined }}", "{}", UndefinedMode::kStrict), "False");
}

}  // namespace
}  // namespace runhook::templating
