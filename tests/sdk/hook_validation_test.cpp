// Hooks are checked at Init, before anything reaches the server, with errors that name the hook,
// the field and, for templates, the line and column.
#include "sdk/hook_validation.h"

#include <gtest/gtest.h>

#include "test_receiver.h"

namespace runhook::sdk {
namespace {

Hook SeedHook() {
  return Hook{.run_state = {"finished"},
              .url = "https://example.com/my-webhook-receiver",
              .body = R"({"event": "wandb_run_finished", "run_id": "{{run.id}}", )"
                      R"("project": "{{run.project.name}}", "run_url": "{{run.url}}"})",
              .name = "notify"};
}

std::string ErrorOf(const Hook& hook) {
  auto result = ValidateHooks({hook});
  return result ? std::string("(no error)") : result.error().message;
}

TEST(HookValidation, AcceptsTheSeedHook) {
  auto result = ValidateHooks({SeedHook()});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->front().name, "notify");
  EXPECT_EQ(result->front().run_states, std::vector<std::string>{"finished"});
}

TEST(HookValidation, NamesUnnamedHooksInOrder) {
  Hook first = SeedHook(), second = SeedHook();
  first.name.clear();
  second.name.clear();
  auto result = ValidateHooks({first, second});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ((*result)[0].name, "hook-1");
  EXPECT_EQ((*result)[1].name, "hook-2");
}

TEST(HookValidation, RejectsUnknownStateNamingHookAndField) {
  Hook hook = SeedHook();
  hook.run_state = {"done"};
  EXPECT_EQ(
      ErrorOf(hook).rfind("hook 'notify' field 'run_state': unknown state 'done' (use one of:", 0),
      0u)
      << ErrorOf(hook);
}

TEST(HookValidation, RejectsUnsupportedMethod) {
  Hook hook = SeedHook();
  hook.method = "FETCH";
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'method': unsupported method 'FETCH' (use GET, POST, PUT, PATCH "
            "or DELETE)");
}

TEST(HookValidation, RejectsNonHttpUrl) {
  Hook hook = SeedHook();
  hook.url = "ftp://example.com/drop";
  EXPECT_EQ(
      ErrorOf(hook),
      "hook 'notify' field 'url': 'ftp://example.com/drop' is not an http:// or https:// URL");
}

TEST(HookValidation, RejectsDuplicateNames) {
  EXPECT_EQ(ValidateHooks({SeedHook(), SeedHook()}).error().message,
            "hook 'notify' field 'name': declared twice in one run");
}

TEST(HookValidation, BodySyntaxErrorNamesHookFieldLineAndColumn) {
  Hook hook = SeedHook();
  hook.body = "{{ }";
  EXPECT_EQ(ErrorOf(hook), "hook 'notify' field 'body': line 1, column 4: unexpected '}'");
}

TEST(HookValidation, UnclosedExpressionOnSecondLineReportsLineTwo) {
  Hook hook = SeedHook();
  hook.body = "{\n  \"run_id\": \"{{ run.id }\"\n}";
  EXPECT_EQ(ErrorOf(hook), "hook 'notify' field 'body': line 2, column 24: unexpected '}'");
}

TEST(HookValidation, UrlTemplateSyntaxErrorNamesUrlField) {
  Hook hook = SeedHook();
  hook.url = "https://example.com/runs/{{ run.id }";
  const std::string error = ErrorOf(hook);
  EXPECT_EQ(error.rfind("hook 'notify' field 'url': ", 0), 0u) << error;
  EXPECT_NE(error.find("line 1, column "), std::string::npos) << error;
}

TEST(HookValidation, HeaderTemplateSyntaxErrorNamesTheHeader) {
  Hook hook = SeedHook();
  hook.headers = {{"X-Ok", "{{ run.id }}"}, {"X-Run", "{{ run.id }"}};
  const std::string error = ErrorOf(hook);
  EXPECT_EQ(error.rfind("hook 'notify' field 'headers.X-Run': ", 0), 0u) << error;
}

TEST(HookValidation, InitThrowsOnBadHookBeforeContactingTheServer) {
  testing::TestReceiver receiver;
  Hook hook = SeedHook();
  hook.body = "{{ }";
  try {
    Init({.hooks = {hook}, .server_url = receiver.url(), .quiet = true});
    FAIL() << "Init accepted a hook with a template syntax error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).rfind("hook 'notify' field 'body': ", 0), 0u)
        << error.what();
  }
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST(HookValidation, AcceptsAWhenExpressionAndAnEveryDuration) {
  Hook hook = SeedHook();
  hook.when = "run.summary.accuracy >= 0.95 and run.history.last.loss < 0.1";
  hook.every = "10m";
  auto result = ValidateHooks({hook});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->front().when, hook.when);
  EXPECT_EQ(result->front().every, "10m");
  EXPECT_EQ(core::HookToJson(result->front())["when"], hook.when);
}

TEST(HookValidation, WhenSyntaxErrorNamesHookFieldLineAndColumnInTheExpression) {
  Hook hook = SeedHook();
  hook.when = "run.summary.accuracy >= ";
  EXPECT_EQ(ErrorOf(hook).rfind("hook 'notify' field 'when': ", 0), 0u) << ErrorOf(hook);
  EXPECT_NE(ErrorOf(hook).find("line 1, column 25: "), std::string::npos) << ErrorOf(hook);
  hook.when = "run.summary.loss <\n   < 3";
  EXPECT_NE(ErrorOf(hook).find("line 2, column 4: "), std::string::npos) << ErrorOf(hook);
}

TEST(HookValidation, WhenMustBeOneExpressionNotATemplate) {
  Hook hook = SeedHook();
  hook.when = "true }}{{ run.id";
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'when': must be one expression, not template tags ('{{' found), "
            "e.g. run.summary.accuracy >= 0.95");
  hook.when = "a b";
  EXPECT_EQ(ErrorOf(hook).rfind("hook 'notify' field 'when': ", 0), 0u) << ErrorOf(hook);
}

TEST(HookValidation, EveryMustBeADurationOfAtLeast100Milliseconds) {
  Hook hook = SeedHook();
  hook.every = "ten minutes";
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'every': 'ten minutes' is not a duration (e.g. 30s, 10m, 1h, "
            "2.5)");
  hook.every = "10ms";
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'every': '10ms' is shorter than the minimum of 100ms");
}

}  // namespace
}  // namespace runhook::sdk
