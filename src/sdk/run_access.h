// SDK-internal entry points for the language bindings (python/src), not part of the public API:
// what a binding needs beyond runhook.h to be fast. Thread safety as runhook::Run's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "runhook/runhook.h"
#include "sdk/run_state.h"

namespace runhook::detail {

struct RunAccess {
  // Run::Log for pairs kept in the caller's storage: no Json and no initializer_list is built,
  // and the keys are only borrowed for the call.
  static void LogPairs(Run& run, std::span<const std::pair<std::string_view, LogValue>> values,
                       std::optional<int64_t> step) {
    RunState& state = *run.state_;
    if (state.buffer.Append(values, step) == sdk::LogBuffer::AppendResult::kBatchFull)
      state.shipper->Wake();
  }
};

}  // namespace runhook::detail
