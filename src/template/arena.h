// NodeArena: the memory of one compiled template's syntax tree (see node.h).
//
// A bump allocator: Allocate hands out consecutive bytes of the current block and takes a new,
// twice larger block when it is full; nothing is freed until the arena is destroyed, which frees
// every block at once. It is also a std::pmr::memory_resource, so the tree's vectors allocate
// from it (their deallocations do nothing). Not thread-safe: one parser fills it; afterwards the
// tree in it is only read.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace runhook::templating {

class NodeArena final : public std::pmr::memory_resource {
 public:
  // The first block holds `first_block_bytes` (allocated on first use).
  explicit NodeArena(size_t first_block_bytes) : next_block_bytes_(first_block_bytes) {}
  ~NodeArena() override;
  NodeArena(const NodeArena&) = delete;
  NodeArena& operator=(const NodeArena&) = delete;

  // REQUIRES: `alignment` is a power of two no larger than alignof(std::max_align_t).
  void* Allocate(size_t bytes, size_t alignment) {
    size_t offset = (used_ + alignment - 1) & ~(alignment - 1);
    if (offset + bytes <= capacity_) {
      used_ = offset + bytes;
      return data_ + offset;
    }
    return AllocateInNewBlock(bytes, alignment);
  }

 private:
  struct BlockHeader {
    BlockHeader* previous;
  };

  void* AllocateInNewBlock(size_t bytes, size_t alignment);
  void* do_allocate(size_t bytes, size_t alignment) override { return Allocate(bytes, alignment); }
  void do_deallocate(void*, size_t, size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  BlockHeader* last_block_ = nullptr;
  char* data_ = nullptr;  // usable bytes of the last block, after its header
  size_t used_ = 0;
  size_t capacity_ = 0;
  size_t next_block_bytes_;
};

}  // namespace runhook::templating
