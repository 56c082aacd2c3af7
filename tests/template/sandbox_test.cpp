// Sandbox caps: each ends the render with a clear error instead of running away.
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::templating {
namespace {

using testing::ErrorType;

TEST(Sandbox, UnderscoreAttributesAreRefused) {
  EXPECT_EQ(testing::Render("{{ ''.__class__ }}"), "");
  EXPECT_EQ(ErrorType("{{ ''.__class__.__mro__ }}"), "SecurityError");
  EXPECT_EQ(ErrorType("{{ ''.__class__ }}", "{}", UndefinedMode::kStrict), "SecurityError");
}

TEST(Sandbox, RangeIsCapped) {
  EXPECT_EQ(ErrorType("{{ range(100001)|length }}"), "OverflowError");
}

TEST(Sandbox, StringRepetitionIsCapped) {
  EXPECT_EQ(ErrorType("{{ 'x' * 100000000 }}"), "SecurityError");
}

TEST(Sandbox, PowerIsCapped) { EXPECT_EQ(ErrorType("{{ 2 ** 100000 }}"), "SecurityError"); }

TEST(Sandbox, LoopIterationsAreCapped) {
  RenderLimits limits;
  limits.max_loop_iterations = 1000;
  Template compiled = Template::Compile(
      "{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}");
  EXPECT_THROW(compiled.Render(Json::object(), UndefinedMode::kDefault, limits), TemplateError);
}

TEST(Sandbox, OutputIsCapped) {
  RenderLimits limits;
  limits.max_output_bytes = 100;
  Template compiled = Template::Compile("{% for i in range(1000) %}xx{% endfor %}");
  try {
    compiled.Render(Json::object(), UndefinedMode::kDefault, limits);
    FAIL();
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "SecurityError");
  }
}

TEST(Sandbox, RecursionIsCapped) {
  EXPECT_EQ(ErrorType("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), "SecurityError");
}

}  // namespace
}  // namespace runhook::templating
