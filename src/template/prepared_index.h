// The index behind a PreparedContext (see prepared_context.h). Internal to the engine.
//
// Every path of names through objects (`run`, `run.project`, `run.project.name`) has a slot in
// one open-addressing hash table, keyed by its ContextPathHash, which the parser also computed
// for each chain in a template (Expression::context_path_hash): a chain is found with one probe
// and a comparison of its names, whatever its length. Each object of at most
// LoopData::kMaxJsonEntries entries with ASCII keys also has its dictsort order, keyed by the
// object's address. Immutable once built; read by many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "template/node.h"
#include "template/path_hash.h"
#include "template/value.h"

namespace runhook::templating::detail {

struct PreparedIndex {
  struct PathSlot {                    // the JSON at one path; value null for an empty slot
    uint64_t hash = 0;                 // ContextPathHash of the path
    const std::string* key = nullptr;  // the path's last name
    const Json* value = nullptr;
    uint32_t parent = 0;  // 1 + the slot of the path without its last name; 0 at the top level
  };
  struct SortedSlot {  // one object's dictsort order; object null for an empty slot
    const Json* object = nullptr;
    uint32_t first = 0;  // into sorted_entries
    uint32_t count = 0;
  };

  // The JSON that the chain `expression` names (`run.project.name`), or null when the context
  // has nothing at that path (or something that is not an object on the way). REQUIRES:
  // expression.context_path_hash != 0.
  const Json* FindPath(const Expression& expression) const;
  // The top-level entry `name`, or null.
  const Json* FindTopLevel(std::string_view name) const;
  // dictsort's order (case-insensitive, not reversed) of `object` when it was computed (see the
  // file comment): copies its entries into `entries` (LoopData::kMaxJsonEntries of room), sets
  // *count and returns true. False for any other object (an overlay's, a big one, ...).
  bool DictSortEntries(const Json* object, JsonEntry* entries, size_t* count) const;

  Json json;
  std::vector<PathSlot> path_slots;      // open addressing, size a power of two
  std::vector<SortedSlot> sorted_slots;  // open addressing, size a power of two
  std::vector<JsonEntry> sorted_entries;
  int path_shift = 64;  // a hash's first slot: hash >> path_shift
  int sorted_shift = 64;
};

inline const Json* PreparedIndex::FindPath(const Expression& expression) const {
  const uint64_t hash = expression.context_path_hash;
  const size_t mask = path_slots.size() - 1;
  for (size_t slot = hash >> path_shift;; slot = (slot + 1) & mask) {
    const PathSlot& entry = path_slots[slot];
    if (entry.value == nullptr) return nullptr;
    if (entry.hash != hash) continue;
    // Compare the names, last first, down to the top level.
    const Expression* node = &expression;
    const PathSlot* path = &entry;
    while (SameText(*path->key, node->name)) {
      if (node->kind == ExpressionKind::kName) {
        if (path->parent == 0) return entry.value;
        break;
      }
      if (path->parent == 0) break;
      path = &path_slots[path->parent - 1];
      node = node->children[0].get();
    }
  }
}

inline const Json* PreparedIndex::FindTopLevel(std::string_view name) const {
  const uint64_t hash = ContextPathHash(0, name);
  const size_t mask = path_slots.size() - 1;
  for (size_t slot = hash >> path_shift;; slot = (slot + 1) & mask) {
    const PathSlot& entry = path_slots[slot];
    if (entry.value == nullptr) return nullptr;
    if (entry.hash == hash && entry.parent == 0 && SameText(*entry.key, name)) return entry.value;
  }
}

}  // namespace runhook::templating::detail
