#include "delivery/attempt_recorder.h"

#include <utility>

#include "core/thread_name.h"

namespace runhook::delivery {

AttemptRecorder::AttemptRecorder(store::Store& store, RecordedCallback on_recorded)
    : store_(store), on_recorded_(std::move(on_recorded)), thread_(&AttemptRecorder::Run, this) {}

AttemptRecorder::~AttemptRecorder() { Shutdown(); }

void AttemptRecorder::Submit(std::vector<store::AttemptOutcome> outcomes) {
  if (outcomes.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queued_.empty()) {
      queued_ = std::move(outcomes);
    } else {
      queued_.insert(queued_.end(), std::make_move_iterator(outcomes.begin()),
                     std::make_move_iterator(outcomes.end()));
    }
  }
  wake_.notify_one();
}

void AttemptRecorder::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void AttemptRecorder::Run() {
  core::NameCurrentThread("rh-recorder");
  while (true) {
    std::vector<store::AttemptOutcome> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, and everything is recorded
      batch = std::exchange(queued_, {});
    }
    const std::vector<Status> statuses = store_.RecordAttempts(batch);
    if (on_recorded_) on_recorded_(batch, statuses);
  }
}

}  // namespace runhook::delivery
