// Tokenizing and whitespace control.
#include <gtest/gtest.h>

#include "template/lexer.h"
#include "test_support.h"

namespace runhook::templating {
namespace {

using testing::Render;

TEST(Lexer, TextPassesThrough) {
  EXPECT_EQ(Render("hello { world } %}"), "hello { world } %}");
  EXPECT_EQ(Render(""), "");
}

TEST(Lexer, DropsOneTrailingNewlineAndNormalizesNewlines) {
  EXPECT_EQ(Render("a\n"), "a");
  EXPECT_EQ(Render("a\n\n"), "a\n");
  EXPECT_EQ(Render("a\r\nb\rc"), "a\nb\nc");
}

TEST(Lexer, WhitespaceControl) {
  EXPECT_EQ(Render("a  {{- 1 -}}  b"), "a1b");
  EXPECT_EQ(Render("a \n {%- if true -%} \n x {%- endif %}"), "ax");
  EXPECT_EQ(Render("a {#- comment -#} b"), "ab");
  EXPECT_EQ(Render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
}

TEST(Lexer, TrimAndLstripBlocks) {
  CompileOptions options;
  options.trim_blocks = true;
  options.lstrip_blocks = true;
  Template compiled = Template::Compile("  {% if true %}\n  x\n  {% endif %}\ny", "t", options);
  EXPECT_EQ(compiled.Render(Json::object()).output, "  x\ny");
}

TEST(Lexer, StringEscapes) {
  EXPECT_EQ(Render(R"({{ 'a\tb\\\'\u00e9\x41' }})"), "a\tb\\'éA");
  EXPECT_EQ(Render(R"({{ "a" 'b' }})"), "ab");
}

TEST(Lexer, Numbers) {
  EXPECT_EQ(Render("{{ 1_000 }} {{ 0x1F }} {{ 0b101 }} {{ 0o17 }} {{ 1e3 }} {{ 2.5E-3 }}"),
            "1000 31 5 15 1000.0 0.0025");
}

TEST(Lexer, ReportsPositionOfUnknownCharacter) {
  try {
    Template::Compile("ab\n  {{ $ }}");
    FAIL() << "expected an error";
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "TemplateSyntaxError");
    EXPECT_EQ(error.line(), 2);
    EXPECT_EQ(error.column(), 6);
  }
}

}  // namespace
}  // namespace runhook::templating
