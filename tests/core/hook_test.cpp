#include "core/hook.h"

#include <gtest/gtest.h>

namespace runhook::core {
namespace {

HookSpec ValidHook() {
  HookSpec hook;
  hook.name = "notify";
  hook.run_states = {"finished"};
  hook.url = "https://example.com/recv";
  return hook;
}

std::string ErrorOf(const HookSpec& hook) {
  Status status = ValidateHookShape(hook);
  return status ? "" : status.error().message;
}

}  // namespace

TEST(Hook, AcceptsAValidHook) { EXPECT_EQ(ErrorOf(ValidHook()), ""); }

TEST(Hook, UnknownStateNamesHookFieldAndChoices) {
  HookSpec hook = ValidHook();
  hook.run_states = {"done"};
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'run_state': unknown state 'done' (use one of: created, "
            "running, resumed, finished, failed, alert)");
}

TEST(Hook, UnsupportedMethodIsNamed) {
  HookSpec hook = ValidHook();
  hook.method = "FETCH";
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'method': unsupported method 'FETCH' (use GET, POST, PUT, "
            "PATCH or DELETE)");
}

TEST(Hook, NonHttpUrlIsRefused) {
  HookSpec hook = ValidHook();
  hook.url = "file:///etc/passwd";
  EXPECT_EQ(ErrorOf(hook),
            "hook 'notify' field 'url': 'file:///etc/passwd' is not an http:// or https:// URL");
  hook.url = "{{ run.config.url }}";
  EXPECT_NE(ErrorOf(hook), "");
}

TEST(Hook, JsonRoundTripKeepsEveryField) {
  HookSpec hook = ValidHook();
  hook.headers = {{"X-Run", "{{ run.id }}"}};
  hook.max_attempts = 3;
  hook.timeout_seconds = 2.5;
  auto parsed = HookFromJson(HookToJson(hook), 0);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->name, "notify");
  EXPECT_EQ(parsed->run_states, hook.run_states);
  EXPECT_EQ(parsed->headers, hook.headers);
  EXPECT_EQ(parsed->max_attempts, 3);
  EXPECT_DOUBLE_EQ(parsed->timeout_seconds, 2.5);
}

TEST(Hook, RunStateMayBeASingleString) {
  auto parsed = HookFromJson(Json{{"run_state", "failed"}, {"url", "http://x"}}, 0);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->run_states, std::vector<std::string>{"failed"});
}

TEST(Hook, AssignsUniqueNames) {
  std::vector<HookSpec> hooks(3, ValidHook());
  hooks[0].name = "";
  hooks[1].name = "hook-1";
  hooks[2].name = "";
  ASSERT_TRUE(AssignHookNames(hooks).ok());
  EXPECT_EQ(hooks[0].name, "hook-2");
  EXPECT_EQ(hooks[2].name, "hook-3");
  hooks[2].name = "hook-1";
  EXPECT_FALSE(AssignHookNames(hooks).ok());
}

}  // namespace runhook::core
