// What Template::Compile produces: the parsed tree and the template's name. Immutable.
#pragma once

#include <atomic>
#include <string>

#include "template/parser.h"

namespace runhook::templating::detail {

// The output size of the latest render, to reserve as much for the next one. Written by every
// render of a shared template, so atomic (relaxed: it is only a hint).
struct LastOutputSize {
  LastOutputSize() = default;
  LastOutputSize(const LastOutputSize& other)
      : bytes(other.bytes.load(std::memory_order_relaxed)) {}
  mutable std::atomic<size_t> bytes{0};
};

struct CompiledTemplate {
  std::string name;
  ParsedTemplate parsed;
  size_t output_size_hint = 0;  // bytes to reserve for the output: the template's text, at least
  LastOutputSize last_output_size;
};

}  // namespace runhook::templating::detail
