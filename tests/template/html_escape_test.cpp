// HtmlEscape: the spelling markupsafe uses, shared by the escape filter and the server's pages.
#include "template/html_escape.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::templating {
namespace {

TEST(HtmlEscape, EscapesEveryMarkupCharacterAsMarkupsafeDoes) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("plain"), "plain");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(HtmlEscape, TheEscapeFilterWritesTheSameBytes) {
  const std::string text = R"(<b class="x">Tom's & Jerry's</b>)";
  EXPECT_EQ(testing::Render("{{ text | e }}", Json{{"text", text}}.dump()), HtmlEscape(text));
}

}  // namespace
}  // namespace runhook::templating
