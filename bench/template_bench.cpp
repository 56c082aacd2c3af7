// Measures runhook's template engine: compiles per second and renders per second of a typical
// webhook body. Prints one JSON object; bench/template_bench.py runs it beside Python's Jinja2.
//
// Usage: template_bench [template_file context_file]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "template/template.h"

namespace {

const char* kTemplate = R"({
  "text": "Run {{ run.name }} ({{ run.id }}) {{ event.type }} in {{ '%.1f'|format(run.runtime) }}s",
  "url": "{{ run.url }}",
  "accuracy": {{ run.summary.accuracy|round(4) }},
  "tags": {{ run.tags|tojson }},
  "config": {% for key, value in run.config|dictsort %}{{ key }}={{ value }}{% if not loop.last %}, {% endif %}{% endfor %},
  "ok": {{ 'true' if run.summary.accuracy >= 0.9 else 'false' }}
})";

const char* kContext =
    R"({"run": {"id": "ab12cd34", "name": "brisk-sun-7", "url": "http://localhost:5717/me/demo/runs/ab12cd34",
  "runtime": 12.345, "tags": ["baseline", "gpu"], "config": {"lr": 0.001, "epochs": 3, "batch_size": 64, "optimizer": "adam"},
  "summary": {"accuracy": 0.95312, "loss": 0.123}}, "event": {"type": "finished"}})";

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

}  // namespace

int main(int argc, char** argv) {
  using runhook::Json;
  using runhook::templating::Template;
  std::string source = argc > 2 ? ReadAll(argv[1]) : kTemplate;
  Json context = Json::parse(argc > 2 ? ReadAll(argv[2]) : std::string(kContext));
  Template compiled = Template::Compile(source);
  size_t sink = 0;
  double compiles = RatePerSecond([&] { sink += Template::Compile(source).name().size(); });
  double renders = RatePerSecond([&] { sink += compiled.Render(context).output.size(); });
  std::printf("{\"compiles_per_second\": %.0f, \"renders_per_second\": %.0f, \"sink\": %zu}\n",
              compiles, renders, sink % 10);
  return 0;
}
