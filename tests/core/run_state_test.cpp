#include "core/run_state.h"

#include <gtest/gtest.h>

namespace runhook::core {

TEST(RunState, NamesRoundTrip) {
  for (auto state :
       {RunState::kCreated, RunState::kRunning, RunState::kFinished, RunState::kFailed})
    EXPECT_EQ(ParseRunState(ToString(state)), state);
  for (auto event : {EventType::kCreated, EventType::kRunning, EventType::kResumed,
                     EventType::kFinished, EventType::kFailed, EventType::kAlert})
    EXPECT_EQ(ParseEventType(ToString(event)), event);
  EXPECT_FALSE(ParseRunState("resumed"));
  EXPECT_FALSE(ParseEventType("done"));
}

TEST(RunState, FollowsTheLifecycle) {
  EXPECT_TRUE(IsLegalTransition(RunState::kCreated, RunState::kRunning));
  EXPECT_TRUE(IsLegalTransition(RunState::kRunning, RunState::kFinished));
  EXPECT_TRUE(IsLegalTransition(RunState::kRunning, RunState::kFailed));
  EXPECT_TRUE(IsLegalTransition(RunState::kFinished, RunState::kRunning));
  EXPECT_FALSE(IsLegalTransition(RunState::kFinished, RunState::kFailed));
  EXPECT_FALSE(IsLegalTransition(RunState::kRunning, RunState::kCreated));
  EXPECT_FALSE(IsLegalTransition(RunState::kRunning, RunState::kRunning));
}

}  // namespace runhook::core
