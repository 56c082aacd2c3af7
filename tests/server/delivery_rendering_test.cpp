// The template context and the rendering of hooks into delivery drafts, without a server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/delivery_rendering.h"
#include "server/template_context.h"

namespace runhook::server {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kEventMs = 1'790'000'000'000;

core::RunRecord FinishedRun() {
  core::RunRecord run;
  run.key = {"alice", "webhook-demo", "abc12345"};
  run.name = "bright-river-12";
  run.state = core::RunState::kFinished;
  run.created_at_ms = kEventMs - 5000;
  run.finished_at_ms = kEventMs;
  run.exit_code = 0;
  run.config = Json{{"epochs", 3}};
  run.summary = Json{{"accuracy", 0.97}};
  return run;
}

core::HookSpec HookOn(const std::string& state, const std::string& body) {
  core::HookSpec hook;
  hook.name = "notify";
  hook.run_states = {state};
  hook.url = "https://example.com/recv";
  hook.body = body;
  return hook;
}

core::DeliveryDraft RenderOne(const core::HookSpec& hook,
                              const core::RunRecord& run = FinishedRun()) {
  auto drafts = RenderDeliveries(run, {hook}, "finished", kEventMs,
                                 RenderSettings{"http://runhook.test:5717", 8});
  EXPECT_EQ(drafts.size(), 1u);
  return drafts.empty() ? core::DeliveryDraft{} : drafts[0];
}

TEST(TemplateContext, RunProjectIsAnObjectAndUserIsTheEntity) {
  Json run = RunTemplateVariable(FinishedRun(), "http://runhook.test:5717/", kEventMs);
  EXPECT_EQ(run["project"], Json({{"name", "webhook-demo"}, {"entity", "alice"}}));
  EXPECT_EQ(run["user"], Json({{"name", "alice"}}));
  EXPECT_EQ(run["entity"], "alice");
  EXPECT_EQ(run["url"], "http://runhook.test:5717/alice/webhook-demo/runs/abc12345");
  EXPECT_EQ(run["state"], "finished");

  Json context = BuildTemplateContext(run, "finished", kEventMs, "notify", "msg_1");
  EXPECT_EQ(context["event"]["type"], "finished");
  EXPECT_EQ(context["event"]["timestamp"], "2026-09-21T14:13:20.000Z");
  EXPECT_EQ(context["hook"]["name"], "notify");
  EXPECT_EQ(context["delivery"]["id"], "msg_1");
}

TEST(DeliveryRendering, OnlyHooksListeningToTheEventFire) {
  auto drafts = RenderDeliveries(FinishedRun(), {HookOn("finished", "a"), HookOn("failed", "b")},
                                 "finished", kEventMs, RenderSettings{"http://x", 8});
  ASSERT_EQ(drafts.size(), 1u);
  EXPECT_EQ(drafts[0].body, "a");
}

TEST(DeliveryRendering, DisabledHooksDoNotFire) {
  core::HookSpec hook = HookOn("finished", "a");
  hook.disabled = true;
  EXPECT_TRUE(
      RenderDeliveries(FinishedRun(), {hook}, "finished", kEventMs, RenderSettings{"http://x", 8})
          .empty());
}

TEST(DeliveryRendering, SeedBodyRendersFromTheRun) {
  auto draft = RenderOne(HookOn(
      "finished",
      R"({"event": "wandb_run_finished", "run_id": "{{run.id}}", "project": "{{run.project.name}}", "run_url": "{{run.url}}"})"));
  EXPECT_EQ(draft.render_error, "");
  EXPECT_EQ(
      draft.body,
      R"({"event": "wandb_run_finished", "run_id": "abc12345", "project": "webhook-demo", "run_url": "http://runhook.test:5717/alice/webhook-demo/runs/abc12345"})");
  EXPECT_EQ(draft.method, "POST");
  EXPECT_EQ(draft.url, "https://example.com/recv");
  EXPECT_EQ(draft.max_attempts, 8);
  EXPECT_EQ(draft.webhook_id.rfind("msg_", 0), 0u);
  EXPECT_EQ(
      draft.headers,
      (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"}}));
}

TEST(DeliveryRendering, DeliveryIdInTheContextIsTheWebhookId) {
  auto draft = RenderOne(HookOn("finished", "{{ delivery.id }}"));
  EXPECT_EQ(draft.body, draft.webhook_id);
}

TEST(DeliveryRendering, TextBodyGetsPlainTextContentType) {
  auto draft = RenderOne(HookOn("finished", "run {{ run.name }} finished"));
  EXPECT_EQ(draft.body, "run bright-river-12 finished");
  EXPECT_EQ(draft.headers[0].second, "text/plain; charset=utf-8");
}

TEST(DeliveryRendering, HookContentTypeIsKept) {
  core::HookSpec hook = HookOn("finished", "a=1");
  hook.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  auto draft = RenderOne(hook);
  ASSERT_EQ(draft.headers.size(), 1u);
  EXPECT_EQ(draft.headers[0].second, "application/x-www-form-urlencoded");
}

TEST(DeliveryRendering, BodyThatClaimsJsonButDoesNotParseIsARenderError) {
  auto draft = RenderOne(HookOn("finished", R"({"accuracy": {{ run.summary.missing }}})"));
  EXPECT_THAT(draft.render_error, HasSubstr("field 'body': the rendered body claims to be JSON"));
  EXPECT_THAT(draft.render_error, HasSubstr("parse error at line 1, column 14"));  // the cause
  EXPECT_EQ(draft.undefined_names, std::vector<std::string>{"run.summary.missing"});
}

TEST(DeliveryRendering, UndefinedNamesAreRecordedInDefaultMode) {
  auto draft = RenderOne(HookOn("finished", "[{{ run.summary.f1 }}] [{{ run.config.epochs }}]"));
  EXPECT_EQ(draft.render_error, "");
  EXPECT_EQ(draft.body, "[] [3]");
  EXPECT_EQ(draft.undefined_names, std::vector<std::string>{"run.summary.f1"});
}

TEST(DeliveryRendering, StrictHookFailsOnAnUndefinedName) {
  core::HookSpec hook = HookOn("finished", "{{ run.summary.f1 }}");
  hook.strict = true;
  auto draft = RenderOne(hook);
  EXPECT_THAT(draft.render_error, HasSubstr("field 'body': UndefinedError"));
}

TEST(DeliveryRendering, RenderedUrlMustStayHttp) {
  core::HookSpec hook = HookOn("finished", "");
  hook.url = "https://example.com/{{ run.name }} x";
  EXPECT_THAT(RenderOne(hook).render_error, HasSubstr("field 'url'"));
}

TEST(DeliveryRendering, HeaderValuesAreRenderedAndLineBreaksRefused) {
  core::HookSpec hook = HookOn("finished", "");
  hook.headers = {{"X-Run", "{{ run.id }}"}};
  auto draft = RenderOne(hook);
  EXPECT_EQ(draft.headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Run", "abc12345"}}));
  hook.headers = {{"X-Evil", "a{{ '\\r\\n' }}Injected: yes"}};
  EXPECT_THAT(RenderOne(hook).render_error, HasSubstr("field 'headers.X-Evil'"));
}

// With a cache of compiled templates (as the server renders), hooks sharing a template text
// share one compiled template, and drafts and render errors are those of a fresh compile: each
// names its own hook's field, never the hook whose compile filled the cache.
TEST(DeliveryRendering, CachedTemplatesRenderAsFreshlyCompiledOnes) {
  core::HookSpec first =
      HookOn("finished", R"({"run": "{{ run.id }}", "hook": "{{ hook.name }}"})");
  core::HookSpec second = first;
  second.name = "second";
  core::HookSpec strict = HookOn("finished", "{{ run.summary.f1 }}");
  strict.name = "strict";
  strict.strict = true;
  core::HookSpec broken = HookOn("finished", "{{ run.id }");
  broken.name = "broken";
  const std::vector<core::HookSpec> hooks = {first, second, strict, broken};

  templating::TemplateCache cache;
  RenderSettings cached{"http://runhook.test:5717", 8};
  cached.templates = &cache;
  for (int event = 0; event < 2; ++event) {
    auto with_cache = RenderDeliveries(FinishedRun(), hooks, "finished", kEventMs, cached);
    auto without = RenderDeliveries(FinishedRun(), hooks, "finished", kEventMs,
                                    RenderSettings{"http://runhook.test:5717", 8});
    ASSERT_EQ(with_cache.size(), 4u);
    ASSERT_EQ(without.size(), 4u);
    for (size_t index = 0; index < hooks.size(); ++index) {
      EXPECT_EQ(with_cache[index].body, without[index].body) << hooks[index].name;
      EXPECT_EQ(with_cache[index].url, without[index].url) << hooks[index].name;
      EXPECT_EQ(with_cache[index].headers, without[index].headers) << hooks[index].name;
      EXPECT_EQ(with_cache[index].render_error, without[index].render_error) << hooks[index].name;
    }
    EXPECT_EQ(with_cache[1].body, R"({"run": "abc12345", "hook": "second"})");
    EXPECT_THAT(with_cache[2].render_error, HasSubstr("field 'body': UndefinedError"));
    EXPECT_THAT(with_cache[3].render_error, HasSubstr("field 'body': TemplateSyntaxError"));
  }
  // One url and one body text among the first two hooks, the strict body; not the broken one.
  EXPECT_EQ(cache.size(), 3u);
}

// The hooks of one event share one prepared context; each sees its own hook.name and
// delivery.id, the secrets only when it mentions them, and the extra variables over the event's:
// the same drafts as rendering each hook against its own copy of the whole context.
TEST(DeliveryRendering, HooksOfOneEventRenderAsWithTheirOwnContextCopy) {
  core::HookSpec first = HookOn(
      "finished",
      R"({"hook": "{{ hook.name }}", "id": "{{ delivery.id }}", "run": "{{ run.project.name }}",)"
      R"( "secret": "{{ secrets.token }}", "alert": "{{ alert.level }}", "state": "{{ run.state }}"})");
  core::HookSpec second =
      HookOn("finished",
             R"({"hook": "{{ hook.name }}", "id": "{{ delivery.id }}", "x": "{{ missing }}",)"
             R"( "config": "{% for k, v in run.config|dictsort %}{{ k }}={{ v }}{% endfor %}"})");
  second.name = "second";
  core::HookSpec third = second;
  third.name = "third";
  const std::vector<core::HookSpec> hooks = {first, second, third};
  RenderSettings settings{"http://runhook.test:5717", 8};
  settings.secrets = {{"token", "s3cret"}};
  settings.extra_context = Json{{"alert", {{"level", "high"}}}, {"extra", 1}};

  auto drafts = RenderDeliveries(FinishedRun(), hooks, "finished", kEventMs, settings);
  ASSERT_EQ(drafts.size(), 3u);
  for (size_t index = 0; index < hooks.size(); ++index) {
    const core::DeliveryDraft& draft = drafts[index];
    Json context =
        BuildTemplateContext(RunTemplateVariable(FinishedRun(), settings.public_url, kEventMs),
                             "finished", kEventMs, hooks[index].name, draft.webhook_id);
    if (MentionsSecrets(hooks[index])) context["secrets"] = Json{{"token", "s3cret"}};
    for (const auto& [name, value] : settings.extra_context.items()) context[name] = value;
    core::DeliveryDraft expected = RenderDelivery(hooks[index], context, draft.webhook_id, 8);
    EXPECT_EQ(draft.body, expected.body) << hooks[index].name;
    EXPECT_EQ(draft.url, expected.url) << hooks[index].name;
    EXPECT_EQ(draft.headers, expected.headers) << hooks[index].name;
    EXPECT_EQ(draft.undefined_names, expected.undefined_names) << hooks[index].name;
    EXPECT_EQ(draft.render_error, expected.render_error) << hooks[index].name;
  }
  EXPECT_EQ(drafts[0].body, R"({"hook": "notify", "id": ")" + drafts[0].webhook_id +
                                R"(", "run": "webhook-demo", "secret": "s3cret", "alert": "high",)"
                                R"( "state": "finished"})");
  EXPECT_EQ(drafts[2].body, R"({"hook": "third", "id": ")" + drafts[2].webhook_id +
                                R"(", "x": "", "config": "epochs=3"})");
  EXPECT_NE(drafts[1].webhook_id, drafts[2].webhook_id);
  EXPECT_EQ(drafts[1].undefined_names, (std::vector<std::string>{"missing"}));
}

TEST(DeliveryRendering, HookMaxAttemptsOverridesTheDefault) {
  core::HookSpec hook = HookOn("finished", "");
  hook.max_attempts = 2;
  hook.timeout_seconds = 3.5;
  auto draft = RenderOne(hook);
  EXPECT_EQ(draft.max_attempts, 2);
  EXPECT_EQ(draft.timeout_seconds, 3.5);
}

}  // namespace
}  // namespace runhook::server
