// Syntax errors: type, message and location.
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::templating {
namespace {

TemplateError CompileError(const std::string& source) {
  try {
    Template::Compile(source);
  } catch (const TemplateError& error) {
    return error;
  }
  ADD_FAILURE() << "expected a syntax error for " << source;
  return TemplateError("", "", "", 0, 0);
}

TEST(Errors, EmptyExpression) {
  TemplateError error = CompileError("hello {{ }}");
  EXPECT_EQ(error.type(), "TemplateSyntaxError");
  EXPECT_EQ(error.message(), "Expected an expression, got 'end of print statement'");
  EXPECT_EQ(error.line(), 1);
  EXPECT_EQ(error.column(), 10);
  EXPECT_NE(std::string(error.what()).find("at line 1, column 10"), std::string::npos);
}

TEST(Errors, UnclosedBlockNamesWhatWasExpected) {
  TemplateError error = CompileError("{% for x in y %}\n{{ x }}");
  EXPECT_EQ(error.type(), "TemplateSyntaxError");
  EXPECT_NE(error.message().find("'endfor' or 'else'"), std::string::npos);
}

TEST(Errors, UnknownTagAndFilter) {
  EXPECT_EQ(CompileError("{% frob %}").message(), "Encountered unknown tag 'frob'.");
  TemplateError filter = CompileError("{{ 1|nope }}");
  EXPECT_EQ(filter.type(), "TemplateAssertionError");
  EXPECT_EQ(filter.message(), "No filter named 'nope'.");
}

TEST(Errors, UnbalancedBrace) {
  TemplateError error = CompileError("{{ a ] }}");
  EXPECT_EQ(error.message(), "unexpected ']'");
  EXPECT_EQ(error.column(), 6);
}

TEST(Errors, RenderErrorsCarryLocation) {
  try {
    Template::Compile("line one\n{{ 1 // 0 }}", "body").Render(Json::object());
    FAIL();
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "ZeroDivisionError");
    EXPECT_EQ(error.line(), 2);
    EXPECT_EQ(error.template_name(), "body");
  }
}

// An error in the body of a `for k, v in x|dictsort` loop over the context (a renderer
// shortcut) names the failing expression's line and column, as any other render error.
TEST(Errors, DictSortLoopErrorsCarryLocation) {
  Json context = {{"run", {{"config", {{"lr", 1}, {"a", 0}}}}}};
  try {
    Template::Compile("{% for k, v in run.config|dictsort %}\n  {{ 1 // v }}{% endfor %}", "body")
        .Render(context);
    FAIL();
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "ZeroDivisionError");
    EXPECT_EQ(error.line(), 2);
    EXPECT_EQ(error.column(), 6);
  }
  try {
    Template::Compile("{% for loop, v in run.config|dictsort %}{% endfor %}", "body");
    FAIL();
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "TemplateAssertionError");
    EXPECT_EQ(error.column(), 8);
  }
}

}  // namespace
}  // namespace runhook::templating
