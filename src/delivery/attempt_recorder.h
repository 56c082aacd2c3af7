// AttemptRecorder: records finished delivery attempts in the store on a thread of its own, so
// the dispatcher's sending thread keeps driving HTTP while SQLite writes (recording is about a
// quarter of the work per delivery; on one thread it capped the delivery rate).
//
// Batches are recorded in the order submitted; whatever is queued when the thread turns to the
// queue is recorded in one store transaction (Store::RecordAttempts). After each transaction
// `on_recorded` is called on the recorder's thread with the outcomes and their statuses.
//
// Thread safety: Submit from one thread at a time; Shutdown from any thread. The store must
// outlive the recorder.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.h"

namespace runhook::delivery {

class AttemptRecorder {
 public:
  using RecordedCallback = std::function<void(const std::vector<store::AttemptOutcome>& outcomes,
                                              const std::vector<Status>& statuses)>;

  // Starts the recording thread.
  AttemptRecorder(store::Store& store, RecordedCallback on_recorded);
  ~AttemptRecorder();  // Shutdown()
  AttemptRecorder(const AttemptRecorder&) = delete;
  AttemptRecorder& operator=(const AttemptRecorder&) = delete;

  // Queues `outcomes` for recording. Never waits for the store.
  void Submit(std::vector<store::AttemptOutcome> outcomes);

  // Records everything submitted so far, then stops the thread. Returns once it has (every store
  // call ends, at worst after the store's busy timeout). Idempotent.
  void Shutdown();

 private:
  void Run();

  store::Store& store_;
  const RecordedCallback on_recorded_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<store::AttemptOutcome> queued_;  // guarded by mutex_
  bool stopping_ = false;                      // guarded by mutex_
  std::thread thread_;                         // started last, joined by Shutdown
};

}  // namespace runhook::delivery
