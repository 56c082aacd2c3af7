// Run ids and generated run names.
//
// Thread-safe: every function may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace runhook::core {

// Returns a fresh run id: 8 characters from [a-z0-9], from a cryptographically seeded source.
std::string GenerateRunId();

// Returns a memorable run name in wandb's style, "adjective-noun-N" (e.g. "bright-river-12").
std::string GenerateRunName();

// True when `id` is usable as a run id given by a user: 1..64 characters of [A-Za-z0-9_-].
bool IsValidRunId(std::string_view id);

// True when `name` is usable as an entity or project name: 1..128 characters of
// [A-Za-z0-9_.-], not starting with '.'. These names appear in URLs and paths.
bool IsValidSlug(std::string_view name);

}  // namespace runhook::core
