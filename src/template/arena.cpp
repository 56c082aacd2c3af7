// See arena.h.
#include "template/arena.h"

#include <algorithm>
#include <new>

namespace runhook::templating {

NodeArena::~NodeArena() {
  while (last_block_ != nullptr) {
    BlockHeader* previous = last_block_->previous;
    ::operator delete(last_block_);
    last_block_ = previous;
  }
}

void* NodeArena::AllocateInNewBlock(size_t bytes, size_t alignment) {
  // The header is max_align_t-sized so that the data after it keeps the block's alignment.
  constexpr size_t kHeaderBytes = alignof(std::max_align_t) > sizeof(BlockHeader)
                                      ? alignof(std::max_align_t)
                                      : sizeof(BlockHeader);
  size_t capacity = std::max(next_block_bytes_, bytes + alignment);
  auto* block = static_cast<BlockHeader*>(::operator new(kHeaderBytes + capacity));
  block->previous = last_block_;
  last_block_ = block;
  data_ = reinterpret_cast<char*>(block) + kHeaderBytes;
  capacity_ = capacity;
  used_ = 0;
  next_block_bytes_ = capacity * 2;
  return Allocate(bytes, alignment);
}

}  // namespace runhook::templating
