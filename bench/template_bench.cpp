// Measures runhook's template engine: compiles per second and renders per second of webhook
// bodies. Prints one JSON object per line; bench/template_bench.py runs it beside Python's
// Jinja2 on the same templates (it reads them from this file, so keep the raw-string
// delimiters named template and context).
//
// Renders are measured two ways in the same run: against the context's JSON
// (Template::Render(const Json&), "renders_per_second") and against a PreparedContext built
// once before the timing, as Jinja2 renders against a dict built once
// ("prepared_renders_per_second").
//
// Usage: template_bench                          every built-in case
//        template_bench template_file context_file   one template from files
//        template_bench --count N [--prepared] template_file context_file
//            exactly N compiles and N renders, untimed (for callgrind: instructions per call);
//            --prepared renders against a PreparedContext (prepared once, before the renders)
// Each line: {"case", "compiles_per_second", "renders_per_second",
// "prepared_renders_per_second", "output"}; exits 1 when the two render paths' outputs differ.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "template/template.h"

namespace {

struct BenchCase {
  const char* name;
  const char* source;
};

const char* kContext = R"context({"run": {"id": "ab12cd34", "name": "brisk-sun-7",
  "url": "http://localhost:5717/me/demo/runs/ab12cd34", "state": "finished", "user": "me",
  "project": {"name": "demo", "entity": "me"}, "runtime": 12.345, "exit_code": 0,
  "tags": ["baseline", "gpu"],
  "config": {"lr": 0.001, "epochs": 3, "batch_size": 64, "optimizer": "adam"},
  "summary": {"accuracy": 0.95312, "loss": 0.123, "val_accuracy": 0.94018, "epoch": 2}},
  "event": {"type": "finished"}})context";

const BenchCase kCases[] = {
    // The first hook of examples/cpp/seed_train.cpp.
    {"seed",
     R"template({"event": "wandb_run_finished", "run_id": "{{run.id}}", "project": "{{run.project.name}}", "run_url": "{{run.url}}"})template"},
    // A typical body: attribute access, format, round, tojson, a dictsort loop, an inline if.
    {"typical", R"template({
  "text": "Run {{ run.name }} ({{ run.id }}) {{ event.type }} in {{ '%.1f'|format(run.runtime) }}s",
  "url": "{{ run.url }}",
  "accuracy": {{ run.summary.accuracy|round(4) }},
  "tags": {{ run.tags|tojson }},
  "config": {% for key, value in run.config|dictsort %}{{ key }}={{ value }}{% if not loop.last %}, {% endif %}{% endfor %},
  "ok": {{ 'true' if run.summary.accuracy >= 0.9 else 'false' }}
})template"},
    // A 30-line Slack message (Block Kit) with loops and filters.
    {"slack", R"template({
  "channel": "#ml-runs",
  "username": "runhook",
  "icon_emoji": ":{{ 'white_check_mark' if run.state == 'finished' else 'x' }}:",
  "text": "Run *{{ run.name|e }}* in {{ run.project.name }} {{ run.state|upper }}",
  "blocks": [
    {
      "type": "header",
      "text": {"type": "plain_text", "text": "{{ run.project.name|title }} / {{ run.name }}"}
    },
    {
      "type": "section",
      "fields": [
        {"type": "mrkdwn", "text": "*State*\n{{ run.state|capitalize }}"},
        {"type": "mrkdwn", "text": "*Runtime*\n{{ '%.1f'|format(run.runtime) }}s"},
        {"type": "mrkdwn", "text": "*User*\n{{ run.user|default('unknown') }}"},
        {"type": "mrkdwn", "text": "*Tags*\n{{ run.tags|join(', ') }}"}
      ]
    },
    {
      "type": "section",
      "text": {"type": "mrkdwn", "text": "{% for key, value in run.summary|dictsort %}*{{ key }}*: {{ value|round(4) }}{% if not loop.last %}\n{% endif %}{% endfor %}"}
    },
    {
      "type": "context",
      "elements": [{% for key, value in run.config|dictsort %}
        {"type": "mrkdwn", "text": "{{ key }}={{ value }}"}{{ "," if not loop.last }}{% endfor %}
      ]
    },
    {"type": "actions", "elements": [{"type": "button", "url": "{{ run.url }}", "text": {"type": "plain_text", "text": "Open run"}}]}
  ]
})template"},
};

std::string ReadAll(const char* path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

template <typename Function>
double RatePerSecond(Function function) {
  using Clock = std::chrono::steady_clock;
  size_t iterations = 0;
  size_t batch = 64;
  auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < 1.0) {
    for (size_t i = 0; i < batch; ++i) function();
    iterations += batch;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    batch *= 2;
  }
  return static_cast<double>(iterations) / elapsed;
}

// False when the JSON and prepared render paths disagree.
bool Measure(const std::string& name, const std::string& source, const runhook::Json& context) {
  using runhook::Json;
  using runhook::templating::PreparedContext;
  using runhook::templating::Template;
  Template compiled = Template::Compile(source);
  const PreparedContext prepared(context);
  size_t sink = 0;
  double compiles = RatePerSecond([&] { sink += Template::Compile(source).name().size(); });
  double renders = RatePerSecond([&] { sink += compiled.Render(context).output.size(); });
  double prepared_renders = RatePerSecond([&] { sink += compiled.Render(prepared).output.size(); });
  std::string output = compiled.Render(context).output;
  bool same = compiled.Render(prepared).output == output;
  Json line = {{"case", name},
               {"compiles_per_second", static_cast<int64_t>(compiles)},
               {"renders_per_second", static_cast<int64_t>(renders)},
               {"prepared_renders_per_second", static_cast<int64_t>(prepared_renders)},
               {"output", output},
               {"sink", sink % 10}};
  std::printf("%s\n", line.dump().c_str());
  if (!same) std::fprintf(stderr, "%s: the prepared render's output differs\n", name.c_str());
  return same;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 4 && std::string(argv[1]) == "--count") {
    using runhook::templating::PreparedContext;
    using runhook::templating::Template;
    long count = std::stol(argv[2]);
    bool use_prepared = std::string(argv[3]) == "--prepared";
    int files = use_prepared ? 4 : 3;
    if (argc <= files + 1) {
      std::fprintf(stderr, "usage: template_bench --count N [--prepared] TEMPLATE CONTEXT\n");
      return 2;
    }
    std::string source = ReadAll(argv[files]);
    runhook::Json context = runhook::Json::parse(ReadAll(argv[files + 1]));
    size_t sink = 0;
    for (long i = 0; i < count; ++i) sink += Template::Compile(source).name().size();
    Template compiled = Template::Compile(source);
    if (use_prepared) {
      const PreparedContext prepared(std::move(context));
      for (long i = 0; i < count; ++i) sink += compiled.Render(prepared).output.size();
    } else {
      for (long i = 0; i < count; ++i) sink += compiled.Render(context).output.size();
    }
    std::printf("%zu\n", sink);
    return 0;
  }
  if (argc > 2) {
    return Measure(argv[1], ReadAll(argv[1]), runhook::Json::parse(ReadAll(argv[2]))) ? 0 : 1;
  }
  runhook::Json context = runhook::Json::parse(kContext);
  bool same = true;
  for (const BenchCase& bench_case : kCases) {
    same = Measure(bench_case.name, bench_case.source, context) && same;
  }
  return same ? 0 : 1;
}
