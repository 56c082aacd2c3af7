// Builds the index of a PreparedContext. See prepared_context.h and prepared_index.h.
#include "template/prepared_context.h"

#include <algorithm>
#include <array>
#include <bit>

#include "template/filters.h"
#include "template/prepared_index.h"

namespace runhook::templating {
namespace {

// log2 of a power-of-two table size with room for `count` entries at most half full.
int TableBits(size_t count) {
  return std::bit_width(std::bit_ceil(std::max<uint64_t>(8, 2 * uint64_t{count}))) - 1;
}

uint64_t AddressHash(const Json* object) {
  return reinterpret_cast<uintptr_t>(object) * 0x9E3779B97F4A7C15ULL;
}

// An object of the context and where its path is: 1 + its slot (0 for the top level) and the
// path's hash.
struct PendingObject {
  const Json* object;
  uint32_t parent;
  uint64_t hash;
};

}  // namespace

bool detail::PreparedIndex::DictSortEntries(const Json* object, JsonEntry* entries,
                                            size_t* count) const {
  const size_t mask = sorted_slots.size() - 1;
  for (size_t slot = AddressHash(object) >> sorted_shift;; slot = (slot + 1) & mask) {
    const SortedSlot& entry = sorted_slots[slot];
    if (entry.object == nullptr) return false;
    if (entry.object == object) {
      std::copy_n(sorted_entries.begin() + entry.first, entry.count, entries);
      *count = entry.count;
      return true;
    }
  }
}

PreparedContext::PreparedContext(Json context) {
  auto index = std::make_shared<detail::PreparedIndex>();
  index->json = std::move(context);

  // Every object reachable from the top through objects only: what a chain of names can reach
  // (objects inside arrays are read by the general access path, which does not use the index).
  size_t paths = 0;
  size_t objects = 0;
  std::vector<const Json*> pending;
  if (index->json.is_object()) pending.push_back(&index->json);
  while (!pending.empty()) {
    const Json* object = pending.back();
    pending.pop_back();
    ++objects;
    for (const auto& [key, value] : object->get_ref<const Json::object_t&>()) {
      ++paths;
      if (value.is_object()) pending.push_back(&value);
    }
  }
  int path_bits = TableBits(paths);
  index->path_slots.resize(size_t{1} << path_bits);
  index->path_shift = 64 - path_bits;
  int sorted_bits = TableBits(objects);
  index->sorted_slots.resize(size_t{1} << sorted_bits);
  index->sorted_shift = 64 - sorted_bits;

  const size_t path_mask = index->path_slots.size() - 1;
  const size_t sorted_mask = index->sorted_slots.size() - 1;
  std::array<JsonEntry, LoopData::kMaxJsonEntries> sorted;
  std::vector<PendingObject> objects_left;
  if (index->json.is_object()) objects_left.push_back({&index->json, 0, 0});
  while (!objects_left.empty()) {
    PendingObject pending_object = objects_left.back();
    objects_left.pop_back();
    const Json* object = pending_object.object;
    for (const auto& [key, value] : object->get_ref<const Json::object_t&>()) {
      // Keys of one object are unique (an ordered_map), so each path is inserted once.
      uint64_t hash = ContextPathHash(pending_object.hash, key);
      size_t slot = hash >> index->path_shift;
      while (index->path_slots[slot].value != nullptr) slot = (slot + 1) & path_mask;
      index->path_slots[slot] = {hash, &key, &value, pending_object.parent};
      if (value.is_object())
        objects_left.push_back({&value, static_cast<uint32_t>(slot + 1), hash});
    }
    size_t count = 0;
    if (!SortJsonEntriesByKey(*object, false, false, sorted.data(), &count) || count == 0) {
      continue;  // too many entries or non-ASCII keys: the renderer sorts as before
    }
    size_t slot = AddressHash(object) >> index->sorted_shift;
    while (index->sorted_slots[slot].object != nullptr) slot = (slot + 1) & sorted_mask;
    index->sorted_slots[slot] = {object, static_cast<uint32_t>(index->sorted_entries.size()),
                                 static_cast<uint32_t>(count)};
    index->sorted_entries.insert(index->sorted_entries.end(), sorted.begin(),
                                 sorted.begin() + count);
  }
  index_ = std::move(index);
}

const Json& PreparedContext::json() const { return index_->json; }

}  // namespace runhook::templating
