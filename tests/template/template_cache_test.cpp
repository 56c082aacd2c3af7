// TemplateCache: compiled once per source text, bounded, safe from many threads.
#include "template/template_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace runhook::templating {
namespace {

std::string RenderWith(const Template& compiled, const char* context) {
  return compiled.Render(Json::parse(context)).output;
}

TEST(TemplateCache, OneSourceTextIsCompiledOnceWhateverTheName) {
  TemplateCache cache;
  Template first = cache.Get("{{ run.id }}!", "hook-1.body");
  Template second = cache.Get("{{ run.id }}!", "hook-2.body");
  EXPECT_EQ(cache.size(), 1u);
  // The second is the first compile's template: it carries that compile's name.
  EXPECT_EQ(second.name(), "hook-1.body");
  EXPECT_EQ(RenderWith(second, R"({"run": {"id": "ab"}})"), "ab!");
  EXPECT_EQ(cache.Get("{{ run.id }}?", "hook-1.body").name(), "hook-1.body");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(TemplateCache, ASourceThatDoesNotCompileThrowsEachTimeAndIsNotKept) {
  TemplateCache cache;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      cache.Get("{{ run.id }", "hook.body");
      FAIL() << "no TemplateError";
    } catch (const TemplateError& error) {
      EXPECT_EQ(error.type(), "TemplateSyntaxError");
      EXPECT_EQ(error.line(), 1);
    }
  }
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TemplateCache, TheLeastRecentlyUsedEntryGoesWhenFull) {
  TemplateCache cache(/*max_entries=*/2);
  cache.Get("a", "first-a");
  cache.Get("b", "first-b");
  cache.Get("a", "again");  // a is now the most recent
  cache.Get("c", "first-c");
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get("a", "later").name(), "first-a");  // kept
  EXPECT_EQ(cache.Get("b", "later").name(), "later");    // dropped, compiled again
}

TEST(TemplateCache, SourceBytesAreBounded) {
  TemplateCache cache(/*max_entries=*/100, /*max_source_bytes=*/10);
  EXPECT_EQ(RenderWith(cache.Get("0123456789ab", "long"), "{}"), "0123456789ab");
  EXPECT_EQ(cache.size(), 0u);  // longer than the whole budget: returned, not kept
  cache.Get("012345", "six");
  cache.Get("abcdef", "six more");  // 12 bytes in all: the first goes
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("abcdef", "x").name(), "six more");
}

TEST(TemplateCache, ManyThreadsGetAndRenderAtOnce) {
  TemplateCache cache(/*max_entries=*/3);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 300; ++round) {
        const int number = (round + thread) % 7;
        const std::string source = "{{ n + " + std::to_string(number) + " }}";
        const std::string output = cache.Get(source, "t").Render(Json{{"n", 100}}).output;
        if (output != std::to_string(100 + number)) ++wrong[thread];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
  EXPECT_LE(cache.size(), 3u);
}

}  // namespace
}  // namespace runhook::templating
