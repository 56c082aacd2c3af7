// PreparedContext: rendering against a context prepared once gives what rendering against its
// JSON gives (output, undefined names, errors); overlays shadow top-level names; one prepared
// context serves many threads at once.
#include "template/prepared_context.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "template/template.h"

namespace runhook::templating {
namespace {

// What one render gave: the output and undefined names, or the error's type and message.
struct Outcome {
  std::string output;
  std::vector<std::string> undefined_names;
  std::string error;
};

template <typename RenderFunction>
Outcome Capture(RenderFunction render) {
  Outcome outcome;
  try {
    RenderResult result = render();
    outcome.output = result.output;
    outcome.undefined_names = result.undefined_names;
  } catch (const TemplateError& error) {
    outcome.error = error.type() + ": " + error.what();
  }
  return outcome;
}

void ExpectSame(const Outcome& expected, const Outcome& actual, const std::string& what) {
  EXPECT_EQ(actual.output, expected.output) << what;
  EXPECT_EQ(actual.undefined_names, expected.undefined_names) << what;
  EXPECT_EQ(actual.error, expected.error) << what;
}

const char* kContext = R"({
  "run": {"id": "ab12", "name": "brisk-sun-7", "state": "finished",
          "project": {"name": "demo", "entity": "me"},
          "tags": ["a", "b"], "items": {"x": 1},
          "config": {"lr": 0.001, "Epochs": 3, "batch": 64, "epochs": 4, "B": true},
          "summary": {"accuracy": 0.95, "loss": null},
          "big": {"k00": 0, "k01": 1, "k02": 2, "k03": 3, "k04": 4, "k05": 5, "k06": 6,
                  "k07": 7, "k08": 8, "k09": 9, "k10": 10, "k11": 11, "k12": 12, "k13": 13,
                  "k14": 14, "k15": 15, "k16": 16},
          "unicode": {"\u00e9t\u00e9": 1, "autumn": 2},
          "empty": {}},
  "event": {"type": "finished"},
  "hook": {"name": "base-hook"},
  "number": 7,
  "a.b": 1, "a": {"b": 2}, "x": {"k": 1}, "y": {"k": 2}
})";

const char* kTemplates[] = {
    "{{ run.name }} {{ run.project.name }} {{ event.type }} {{ number }}",
    "{{ run.missing }}|{{ run.project.missing }}|{{ missing }}|{{ missing.deeper }}",
    "{{ run.tags.first }}|{{ run.name.upper() }}|{{ run.items }}|{{ run.project['name'] }}",
    "{% for k, v in run.config|dictsort %}{{ k }}={{ v }},{% endfor %}",
    "{% for k, v in run.config|dictsort(true) %}{{ k }}={{ v }},{% endfor %}",
    "{% for k, v in run.big|dictsort %}{{ k }}{% endfor %}|"
    "{% for k, v in run.unicode|dictsort %}{{ k }}{% endfor %}|"
    "{% for k, v in run.empty|dictsort %}x{% else %}empty{% endfor %}",
    "{{ run.config|dictsort }}|{{ run.summary|dictsort(reverse=true) }}",
    "{% set run = {'name': 'local'} %}{{ run.name }}|{{ event.type }}",
    "{% for run in [1] %}{{ run }}{% endfor %}{{ run.name }}",
    "{{ run.summary.accuracy|round(1) }} {{ 'ok' if run.summary.accuracy >= 0.9 }}",
    "{{ run.summary.loss }}|{{ run.summary.loss.x }}",
    "{{ run.name.nothing.more }}",
    // A key holding a dot is not the path through "a"; paths ending in the same name differ.
    "{{ a.b }}|{{ x.k }}|{{ y.k }}|{{ x.k + y.k }}",
};

TEST(PreparedContext, RendersAsTheJsonInEveryMode) {
  const Json context = Json::parse(kContext);
  const PreparedContext prepared(context);
  for (UndefinedMode mode :
       {UndefinedMode::kDefault, UndefinedMode::kChainable, UndefinedMode::kStrict}) {
    for (const char* source : kTemplates) {
      Template compiled = Template::Compile(source);
      Outcome from_json = Capture([&] { return compiled.Render(context, mode); });
      Outcome from_prepared = Capture([&] { return compiled.Render(prepared, mode); });
      Outcome with_empty_overlay =
          Capture([&] { return compiled.Render(prepared, Json::object(), mode); });
      std::string what = std::string(source) + " (mode " + std::to_string(int(mode)) + ")";
      ExpectSame(from_json, from_prepared, what);
      ExpectSame(from_json, with_empty_overlay, what + " with an empty overlay");
    }
  }
}

TEST(PreparedContext, ReportsUndefinedNamesAndStrictErrorsAsTheJson) {
  const Json context = Json::parse(kContext);
  const PreparedContext prepared(context);
  Template compiled = Template::Compile("[{{ run.summary.f1 }}][{{ nothing }}][{{ run.name }}]");
  RenderResult result = compiled.Render(prepared);
  EXPECT_EQ(result.output, "[][][brisk-sun-7]");
  EXPECT_EQ(result.undefined_names, (std::vector<std::string>{"run.summary.f1", "nothing"}));
  try {
    compiled.Render(prepared, UndefinedMode::kStrict);
    FAIL() << "expected UndefinedError";
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "UndefinedError");
    EXPECT_EQ(error.message(), "'dict object' has no attribute 'f1'");
  }
}

TEST(PreparedContext, DictSortIsCaseInsensitiveAndStable) {
  const PreparedContext prepared(Json::parse(R"({"c": {"b": 1, "A": 2, "a": 3, "C": 4}})"));
  Template compiled = Template::Compile("{% for k, v in c|dictsort %}{{ k }}={{ v }},{% endfor %}");
  // Jinja2: sorted by key.lower(), ties kept in insertion order.
  EXPECT_EQ(compiled.Render(prepared).output, "A=2,a=3,b=1,C=4,");
  // Rendering it again reuses the order computed once.
  EXPECT_EQ(compiled.Render(prepared).output, "A=2,a=3,b=1,C=4,");
}

TEST(PreparedContext, OverlayShadowsTopLevelNames) {
  const char* source =
      "{{ hook.name }}|{{ run.name }}|{{ run.project.name }}|{{ delivery.id }}|"
      "{% for k, v in run.config|dictsort %}{{ k }}{% endfor %}";
  Template compiled = Template::Compile(source);
  const PreparedContext prepared(Json::parse(kContext));

  Json overlay = {{"hook", {{"name", "hook-1"}}}, {"delivery", {{"id", "msg_1"}}}};
  EXPECT_EQ(compiled.Render(prepared, overlay, UndefinedMode::kDefault).output,
            "hook-1|brisk-sun-7|demo|msg_1|BbatchEpochsepochslr");

  // A shadowing entry replaces the whole variable (no merge), as assigning it to a copy does.
  Json replaced_run = {{"run", {{"name", "other"}, {"config", {{"z", 1}, {"Y", 2}}}}}};
  Template replaced = Template::Compile(
      "{{ hook.name }}|{{ run.name }}|{{ run.project }}|{{ delivery }}|"
      "{% for k, v in run.config|dictsort %}{{ k }}{% endfor %}");
  RenderResult result = replaced.Render(prepared, replaced_run, UndefinedMode::kDefault);
  Json merged = Json::parse(kContext);
  merged["run"] = replaced_run["run"];
  RenderResult expected = replaced.Render(merged);
  EXPECT_EQ(result.output, expected.output);
  EXPECT_EQ(result.output, "base-hook|other|||Yz");
  EXPECT_EQ(result.undefined_names, expected.undefined_names);
  EXPECT_EQ(result.undefined_names, (std::vector<std::string>{"run.project", "delivery"}));
}

TEST(PreparedContext, RefusesAContextOrOverlayThatIsNotAnObject) {
  Template compiled = Template::Compile("{{ x }}");
  const PreparedContext list(Json::array({1, 2}));
  try {
    compiled.Render(list);
    FAIL() << "expected TypeError";
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "TypeError");
  }
  const PreparedContext object(Json::parse(R"({"x": 1})"));
  try {
    compiled.Render(object, Json("overlay"), UndefinedMode::kDefault);
    FAIL() << "expected TypeError";
  } catch (const TemplateError& error) {
    EXPECT_EQ(error.type(), "TypeError");
    EXPECT_NE(std::string(error.what()).find("overlay"), std::string::npos) << error.what();
  }
  EXPECT_EQ(compiled.Render(object, Json(), UndefinedMode::kDefault).output, "1");
  EXPECT_EQ(compiled.Render(PreparedContext(Json())).output, "");
}

TEST(PreparedContext, ServesManyThreadsAtOnce) {
  const PreparedContext prepared(Json::parse(kContext));
  Template compiled = Template::Compile(
      "{{ hook.name }}:{{ run.project.name }}:"
      "{% for k, v in run.config|dictsort %}{{ k }}{% endfor %}");
  constexpr int kThreads = 4;
  constexpr int kRenders = 300;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int i = 0; i < kRenders; ++i) {
        std::string name = "hook-" + std::to_string(thread) + "-" + std::to_string(i);
        Json overlay = {{"hook", {{"name", name}}}};
        std::string output = compiled.Render(prepared, overlay, UndefinedMode::kStrict).output;
        if (output != name + ":demo:BbatchEpochsepochslr") ++mismatches[thread];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int thread = 0; thread < kThreads; ++thread) EXPECT_EQ(mismatches[thread], 0) << thread;
}

TEST(PreparedContext, CopiesShareTheContext) {
  PreparedContext original(Json::parse(R"({"a": {"b": "c"}})"));
  PreparedContext copy = original;
  EXPECT_EQ(&copy.json(), &original.json());
  EXPECT_EQ(Template::Compile("{{ a.b }}").Render(copy).output, "c");
}

}  // namespace
}  // namespace runhook::templating
