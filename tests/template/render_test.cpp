// Expressions, statements and filters against outputs Python's Jinja2 3.1 produces.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.h"

namespace runhook::templating {
namespace {

using testing::ErrorType;
using testing::Render;

TEST(Render, DottedAndSubscriptAccess) {
  const char* context = R"({"run": {"id": "ab12", "summary": {"acc": 0.95}, "tags": ["x", "y"]}})";
  EXPECT_EQ(
      Render("{{ run.id }} {{ run['summary'].acc }} {{ run.tags[1] }} {{ run.tags.0 }}", context),
      "ab12 0.95 y x");
}

TEST(Render, PythonArithmetic) {
  EXPECT_EQ(Render("{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 4 / 2 }}"),
            "3.5 3 -4 2 1024 2.0");
  EXPECT_EQ(Render("{{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ -1|abs }}"), "4 64 1");
  EXPECT_EQ(Render("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 'ab' * 3 }} {{ [1] + [2] }}"),
            "3.0 0.5 ababab [1, 2]");
  EXPECT_EQ(ErrorType("{{ 1 / 0 }}"), "ZeroDivisionError");
  EXPECT_EQ(ErrorType("{{ 1 + 'a' }}"), "TypeError");
  EXPECT_EQ(ErrorType("{{ 9223372036854775807 + 1 }}"), "OverflowError");
}

TEST(Render, LogicReturnsOperands) {
  EXPECT_EQ(Render("{{ 0 or 'x' }} {{ 1 and [] }} {{ not 0 }} {{ 1 < 2 < 3 }} {{ 'b' in 'abc' }}"),
            "x [] True True True");
  EXPECT_EQ(Render("{{ 'y' if false else 'n' }}|{{ 'y' if false }}|"), "n||");
}

TEST(Render, ForLoopVariables) {
  EXPECT_EQ(
      Render(
          "{% for x in [1,2,3] %}{{ loop.index }}{{ loop.revindex0 }}{{ loop.first }}{% endfor %}"),
      "12True21False30False");
  EXPECT_EQ(Render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"),
            "a=1;b=2;");
  EXPECT_EQ(Render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(
      Render(
          "{% for x in range(10) if x is odd %}{{ x }}{% if loop.last %}!{% endif %}{% endfor %}"),
      "13579!");
  EXPECT_EQ(
      Render("{% for x in range(9) %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
      "012");
  EXPECT_EQ(Render("{% for x in 'ab' %}{{ loop.cycle('o', 'e') }}{% endfor %}"), "oe");
}

TEST(Render, SetDoesNotLeakOutOfLoops) {
  EXPECT_EQ(
      Render("{% set x = 0 %}{% for i in range(3) %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}"),
      "0120");
  EXPECT_EQ(Render("{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i "
                   "%}{% endfor %}{{ ns.n }}"),
            "3");
  EXPECT_EQ(Render("{% set x %}a{{ 1 }}b{% endset %}{{ x }}"), "a1b");
}

TEST(Render, MacrosAndCallBlocks) {
  EXPECT_EQ(Render("{% macro hi(name, p='!') %}hi {{ name }}{{ p }}{% endmacro %}{{ hi('a') }} {{ "
                   "hi('b', p='?') }}"),
            "hi a! hi b?");
  EXPECT_EQ(
      Render("{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}in{% endcall %}"),
      "[in]");
}

TEST(Render, FilterBlockAndFilters) {
  EXPECT_EQ(Render("{% filter upper %}abc{% endfilter %}"), "ABC");
  EXPECT_EQ(Render("{{ [3,1,2]|sort|join(',') }} {{ 'hello world'|title }} {{ 2.675|round(2) }}"),
            "1,2,3 Hello World 2.67");
  EXPECT_EQ(Render("{{ {'b': 1, 'a': '<&>'}|tojson }}"), R"({"a": "\u003c\u0026\u003e", "b": 1})");
  EXPECT_EQ(Render("{{ x|default('d') }} {{ ''|default('e', true) }}"), "d e");
  EXPECT_EQ(Render("{{ '%05.1f|%s'|format(3.14159, 'x') }}"), "003.1|x");
  EXPECT_EQ(Render("{{ users|map(attribute='name')|join(', ') }}",
                   R"({"users": [{"name": "a"}, {"name": "b"}]})"),
            "a, b");
}

TEST(Render, StringMethods) {
  EXPECT_EQ(Render("{{ 'a,b'.split(',') }} {{ ' x '.strip() }} {{ 'ab'.upper() }} {{ "
                   "'abc'.startswith('a') }}"),
            "['a', 'b'] x AB True");
  EXPECT_EQ(Render("{{ '{} is {:.2f}'.format('pi', 3.14159) }}"), "pi is 3.14");
}

TEST(Render, CompiledTemplateIsSharedAcrossThreads) {
  Template compiled = Template::Compile("{% for i in range(n) %}{{ i }}{% endfor %}");
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) outputs[t] = compiled.Render(Json{{"n", 5}}).output;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& output : outputs) EXPECT_EQ(output, "01234");
}

// The renderer's shortcuts (context names and attribute chains read in place, loop frames
// reused, string filters appending to the output) with each thread's own context.
TEST(Render, ShortcutsAreSafeAcrossThreads) {
  Template compiled = Template::Compile(
      "{{ run.project.name|upper }} {{ run.id }}:{% for k, v in run.summary|dictsort %}"
      "{{ k|title }}={{ v }}{{ ',' if not loop.last }}{% endfor %} {{ run.missing|e }}.");
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  std::vector<std::string> expected(4);
  for (int t = 0; t < 4; ++t) {
    std::string id = std::to_string(t);
    expected[t] = "DEMO" + id + " " + id + ":A=" + id + ",B=1 .";
    threads.emplace_back([&, t, id] {
      Json context = {
          {"run",
           {{"id", id}, {"project", {{"name", "demo" + id}}}, {"summary", {{"b", 1}, {"a", t}}}}}};
      for (int i = 0; i < 200; ++i) outputs[t] = compiled.Render(context).output;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(outputs[t], expected[t]);
}

}  // namespace
}  // namespace runhook::templating
