// Names the calling thread, so `top -H`, /proc/PID/task/*/comm and the benchmarks can tell a
// process's threads apart (bench/delivery_bench.py reports CPU time per thread name).
#pragma once

#include <string_view>

namespace runhook::core {

// Sets the calling thread's name to the first 15 bytes of `name` (the kernel's limit). Threads
// the caller starts afterwards inherit it. Best effort: a failure is ignored. Thread-safe.
void NameCurrentThread(std::string_view name);

}  // namespace runhook::core
