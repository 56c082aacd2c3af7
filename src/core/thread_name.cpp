#include "core/thread_name.h"

#include <pthread.h>

#include <algorithm>

namespace runhook::core {

void NameCurrentThread(std::string_view name) {
  constexpr size_t kMaxLength = 15;  // 16 bytes with the terminating '\0'
  char buffer[kMaxLength + 1] = {};
  const size_t length = std::min(name.size(), kMaxLength);
  std::copy_n(name.data(), length, buffer);
  pthread_setname_np(pthread_self(), buffer);
}

}  // namespace runhook::core
