#include "hooks/hook_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace runhook::hooks {
namespace {

using ::testing::HasSubstr;

core::HookSpec Valid() {
  core::HookSpec hook;
  hook.name = "notify";
  hook.run_states = {"finished"};
  hook.url = "https://example.com/hook";
  hook.body = R"({"id": "{{run.id}}"})";
  return hook;
}

TEST(ValidateHook, AcceptsAWhenHookWithoutRunState) {
  core::HookSpec hook = Valid();
  hook.run_states.clear();
  hook.when = "run.summary.accuracy >= 0.95";
  EXPECT_TRUE(ValidateHook(hook));
}

TEST(ValidateHook, NamesHookFieldLineAndColumnOfABadWhen) {
  core::HookSpec hook = Valid();
  hook.when = "run.summary.accuracy >=";
  auto status = ValidateHook(hook);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr("hook 'notify' field 'when': line 1, column "));
}

TEST(ValidateHook, NamesABadEvery) {
  core::HookSpec hook = Valid();
  hook.every = "often";
  auto status = ValidateHook(hook);
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().message, HasSubstr("hook 'notify' field 'every': 'often'"));
}

TEST(ValidateHook, NamesABadBodyTemplate) {
  core::HookSpec hook = Valid();
  hook.body = "{{ run.id }";
  auto status = ValidateHook(hook);
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().message, HasSubstr("hook 'notify' field 'body': line 1, column "));
}

TEST(ValidateHooks, NamesUnnamedHooks) {
  std::vector<core::HookSpec> hooks = {Valid(), Valid()};
  hooks[0].name.clear();
  hooks[1].name.clear();
  ASSERT_TRUE(ValidateHooks(hooks));
  EXPECT_EQ(hooks[0].name, "hook-1");
  EXPECT_EQ(hooks[1].name, "hook-2");
}

}  // namespace
}  // namespace runhook::hooks
