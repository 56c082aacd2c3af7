// libFuzzer target: any bytes as a template must compile or fail with TemplateError, and render
// (against a small fixed context, in all three undefined modes) or fail with TemplateError.
// Anything else (a crash, another exception, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using runhook::Json;
  using namespace runhook::templating;
  static const Json context = Json::parse(
      R"({"run": {"id": "x", "summary": {"a": 1.5}, "tags": ["a", "b"]}, "n": 3, "s": "héllo"})");
  RenderLimits limits;
  limits.max_output_bytes = 1 << 16;
  limits.max_loop_iterations = 10'000;
  limits.max_string_bytes = 1 << 16;
  try {
    Template compiled =
        Template::Compile(std::string_view(reinterpret_cast<const char*>(data), size));
    for (UndefinedMode mode :
         {UndefinedMode::kDefault, UndefinedMode::kChainable, UndefinedMode::kStrict}) {
      try {
        compiled.Render(context, mode, limits);
      } catch (const TemplateError&) {
      }
    }
  } catch (const TemplateError&) {
  }
  return 0;
}
