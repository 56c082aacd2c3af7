// Lock order: lifecycle_mutex_ before mutex_. The sending thread, the recorder's thread (in
// Notify) and the claimer's thread (in OnClaimed) only ever take mutex_, and never while they
// call the store or the sender; the claimer's and recorder's own mutexes are never held while
// they call back here.
#include "delivery/dispatcher.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/clock.h"
#include "core/thread_name.h"
#include "delivery/attempt_recorder.h"
#include "delivery/curl_multi_sender.h"
#include "delivery/delivery_claimer.h"
#include "delivery/destination_scheduler.h"
#include "delivery/outgoing_request.h"
#include "delivery/retry_policy.h"

namespace runhook::delivery {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kDestructorShutdownTimeout{1'000};

void LogProblem(const std::string& message) {
  std::fprintf(stderr, "runhook dispatcher: %s\n", message.c_str());
}

std::chrono::milliseconds MillisecondsUntil(SteadyClock::time_point when) {
  auto remaining = std::chrono::ceil<std::chrono::milliseconds>(when - SteadyClock::now());
  return std::max(remaining, std::chrono::milliseconds(0));
}

// The wall-clock unix milliseconds of a steady-clock time point.
int64_t ToUnixMillis(SteadyClock::time_point when) {
  return core::NowUnixMillis() +
         std::chrono::duration_cast<std::chrono::milliseconds>(when - SteadyClock::now()).count();
}

// A delivery waits for a slot at most this part of its lease; then it is handed back to the
// store (and claimed again with a fresh lease), so no attempt starts on a nearly spent lease.
constexpr int kLeaseFractionForWaiting = 2;

// Finished attempts are recorded together, one transaction for those that finish within
// kRecordInterval of the first unrecorded one or kRecordBatchLimit of them, whichever comes
// first, and at once when nothing is left in flight: a commit per Poll (often one or two
// attempts) cost more than the sending. Until its attempt is recorded a delivery keeps its lease,
// so no dispatcher claims it again; after a crash it is sent again with the same webhook-id.
constexpr std::chrono::milliseconds kRecordInterval{5};
constexpr size_t kRecordBatchLimit = 512;

}  // namespace

class Dispatcher::Impl {
 public:
  Impl(store::Store& store, DispatcherOptions options)
      : store_(store),
        options_(std::move(options)),
        sender_(MakeCurlMultiSender(options_.destination_policy)),
        retry_policy_(MakeScheduledRetryPolicy(options_.retry_schedule, options_.jitter_source)),
        // A responsive destination may fill the whole waiting line (twice max_in_flight, see
        // Room); one that turns slow keeps max_in_flight / 2 waiting.
        scheduler_(options_.max_in_flight, options_.max_per_host,
                   std::max(options_.max_in_flight / 2, 1), 2 * options_.max_in_flight) {
    options_.max_in_flight = std::max(options_.max_in_flight, 1);
    options_.idle_poll = std::max(options_.idle_poll, std::chrono::milliseconds(1));
  }

  void Start() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (started_ || shut_down_) return;
    started_ = true;
    recorder_ = std::make_unique<AttemptRecorder>(
        store_, [this](const std::vector<store::AttemptOutcome>& outcomes,
                       const std::vector<Status>& statuses) { OnRecorded(outcomes, statuses); });
    claimer_ = std::make_unique<DeliveryClaimer>(
        store_, DeliveryClaimer::Options{options_.lease, options_.owner}, [this] { OnClaimed(); });
    thread_ = std::thread(&Impl::RunSendingThread, this);
  }

  void Notify() {
    {
      std::lock_guard lock(mutex_);
      notified_ = true;
    }
    wake_.notify_one();
    sender_->Wakeup();
  }

  bool Shutdown(std::chrono::milliseconds timeout) {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (shut_down_) return shutdown_result_;
    shut_down_ = true;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      stop_deadline_ = SteadyClock::now() + std::max(timeout, std::chrono::milliseconds(0));
    }
    wake_.notify_one();
    sender_->Wakeup();
    if (thread_.joinable()) thread_.join();
    shutdown_result_ = aborted_count_ == 0;
    return shutdown_result_;
  }

 private:
  // The sending thread's loop: claim when notified or when a claim is due, send, record, and
  // sleep (on the condition variable when idle, in the sender while requests are in flight).
  void RunSendingThread() {
    core::NameCurrentThread("rh-sender");
    next_claim_at_ = SteadyClock::now();
    while (true) {
      bool notified = false;
      bool claimed = false;
      std::optional<SteadyClock::time_point> stop_deadline;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) {
          stop_deadline = stop_deadline_;
        } else {
          notified = std::exchange(notified_, false);
          claimed = std::exchange(claimed_, false);
        }
      }
      if (stop_deadline.has_value()) {
        Drain(*stop_deadline);
        return;
      }
      if (claimed) {
        AddClaimedBatch();
        StartWhatMayStart();
      }
      if (notified || SteadyClock::now() >= next_claim_at_) RequestClaim();
      if (!unrecorded_.empty() && (in_flight_.empty() || SteadyClock::now() >= record_by_))
        RecordUnrecorded();
      if (in_flight_.empty()) {
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, next_claim_at_, [&] { return notified_ || claimed_ || stopping_; });
        continue;
      }
      SteadyClock::time_point wake_by =
          std::min(next_claim_at_, SteadyClock::now() + options_.idle_poll);
      if (!unrecorded_.empty()) wake_by = std::min(wake_by, record_by_);
      RecordCompletions(sender_->Poll(MillisecondsUntil(wake_by)));
    }
  }

  // Asks the claimer for as many due deliveries as the scheduler has room for (in flight and
  // waiting for their destination), after handing back the waiting deliveries whose lease is
  // half spent or whose destination turned slow. The claim runs on the claimer's thread; its
  // batch is added by AddClaimedBatch. While a claim is under way, one more follows it.
  void RequestClaim() {
    const SteadyClock::time_point now = SteadyClock::now();
    next_claim_at_ = now + options_.idle_poll;
    if (claimer_->busy()) {
      claim_again_ = true;
      return;
    }
    for (const core::Delivery& stale :
         scheduler_.TakeClaimedBefore(now - options_.lease / kLeaseFractionForWaiting))
      HandBack(stale, core::NowUnixMillis());
    for (const core::Delivery& excess : scheduler_.TakeExcessOfSlowDestinations(now))
      HandBack(excess, ToUnixMillis(scheduler_.RetryBusyDestinationAt(
                           DestinationOf(excess.request.url), now)));
    const int room = static_cast<int>(scheduler_.Room());
    if (room > 0) claimer_->Request(room);
  }

  // Called on the claimer's thread when a claimed batch is ready: wakes the sending thread.
  void OnClaimed() {
    {
      std::lock_guard lock(mutex_);
      claimed_ = true;
    }
    wake_.notify_one();
    sender_->Wakeup();
  }

  // Takes the claimer's batch: holds each delivery in the scheduler with its signing secrets,
  // hands back those whose destination is full, and sets when the next claim is due. Only one
  // claim is under way at a time and only batches fill the scheduler, so the room asked for is
  // still there (but a destination's waiting line may be full).
  void AddClaimedBatch() {
    std::optional<ClaimedBatch> batch = claimer_->Take();
    if (!batch.has_value()) return;
    if (!batch->problem.empty()) LogProblem(batch->problem);
    const SteadyClock::time_point now = SteadyClock::now();
    for (size_t index = 0; index < batch->deliveries.size(); ++index) {
      const core::Delivery& delivery = batch->deliveries[index];
      if (!scheduler_.Add(delivery, batch->claimed_at)) {
        HandBack(delivery, ToUnixMillis(scheduler_.RetryBusyDestinationAt(
                               DestinationOf(delivery.request.url), now)));
        continue;
      }
      if (index < batch->signing_secrets.size()) {
        signing_secrets_.insert_or_assign(delivery.id, std::move(batch->signing_secrets[index]));
      } else {
        signing_secrets_.insert_or_assign(
            delivery.id,
            Result<std::vector<std::string>>(MakeError(ErrorCode::kInternal,
                                                       "the store returned no signing secrets for "
                                                       "delivery " +
                                                           std::to_string(delivery.id))));
      }
    }
    if (batch->next_due_ms.has_value()) ScheduleNextDueClaim(*batch->next_due_ms);
    if (std::exchange(claim_again_, false)) next_claim_at_ = now;
  }

  // Starts every waiting delivery whose destination (and the dispatcher) has a free slot. A
  // delivery that cannot be signed is not sent: its attempt is recorded at once as failed with
  // the reason, and retried like a network error (the secret may be fixed meanwhile).
  void StartWhatMayStart() {
    for (core::Delivery& delivery : scheduler_.TakeStartable(SteadyClock::now())) {
      HttpRequest request = BuildOutgoingRequest(delivery, options_.user_agent);
      if (Status signed_request = Sign(delivery, request); !signed_request.ok()) {
        scheduler_.Finished(delivery);
        HttpResult result;
        result.started_at_ms = core::NowUnixMillis();
        result.transport_error = "not sent: signing failed: " + signed_request.error().message;
        Record(delivery, result);
        continue;
      }
      const uint64_t tag = next_tag_++;
      sender_->Start(tag, std::move(request));
      in_flight_.emplace(tag, std::move(delivery));
    }
  }

  // Adds the signature headers for the delivery's hook secrets, with a fresh timestamp.
  Status Sign(const core::Delivery& delivery, HttpRequest& request) {
    auto found = signing_secrets_.find(delivery.id);
    if (found == signing_secrets_.end())
      return MakeError(ErrorCode::kInternal, "the signing secrets of delivery " +
                                                 std::to_string(delivery.id) + " were not read");
    Result<std::vector<std::string>> secrets = std::move(found->second);
    signing_secrets_.erase(found);
    if (!secrets.ok()) return secrets.error();
    return AddSignatureHeaders(request, *secrets, core::NowUnixMillis() / 1000);
  }

  // Gives a claimed, unattempted delivery back to the store, due at `due_ms`.
  void HandBack(const core::Delivery& delivery, int64_t due_ms) {
    signing_secrets_.erase(delivery.id);
    if (Status deferred = store_.DeferDelivery(delivery.id, options_.owner, due_ms); !deferred.ok())
      LogProblem("handing back delivery " + std::to_string(delivery.id) +
                 " failed (its lease will expire instead): " + deferred.error().message);
  }

  // Brings the next claim forward to the store's next due time `next_due_ms` when that is in
  // the future. A due time already passed belongs to a delivery leased elsewhere (or in flight
  // here); its lease expiry is caught by the idle poll.
  void ScheduleNextDueClaim(int64_t next_due_ms) {
    const int64_t wait_ms = next_due_ms - core::NowUnixMillis();
    if (wait_ms <= 0) return;
    next_claim_at_ =
        std::min(next_claim_at_, SteadyClock::now() + std::chrono::milliseconds(wait_ms));
  }

  // Frees the completed deliveries' slots, starts the deliveries waiting for them, then adds
  // the completed attempts to those to record (recorded now when the batch is full or due).
  void RecordCompletions(std::vector<Completion> completions) {
    if (completions.empty()) return;
    for (Completion& completion : completions) {
      auto found = in_flight_.find(completion.tag);
      if (found == in_flight_.end()) {
        LogProblem("a completion arrived for an unknown request (tag " +
                   std::to_string(completion.tag) + ")");
        continue;
      }
      const core::Delivery delivery = std::move(found->second);
      in_flight_.erase(found);
      scheduler_.Finished(delivery);
      Record(delivery, completion.result);
    }
    StartWhatMayStart();  // waiting deliveries take the freed slots
    if (unrecorded_.size() >= kRecordBatchLimit || SteadyClock::now() >= record_by_)
      RecordUnrecorded();
    // Claim again at once (room, and maybe a retry) when nothing is left to start or there is
    // room for a large batch. Not after every completion: each claim steps over the deliveries
    // this dispatcher holds at the head of the due queue, so small claims cost more than they
    // bring.
    if (scheduler_.waiting() == 0 ||
        scheduler_.Room() >= static_cast<size_t>(options_.max_in_flight))
      next_claim_at_ = SteadyClock::now();
  }

  // Adds the attempt of `delivery` that ended with `result` to those to record (kRecordInterval).
  void Record(const core::Delivery& delivery, const HttpResult& result) {
    if (unrecorded_.empty()) record_by_ = SteadyClock::now() + kRecordInterval;
    unrecorded_.push_back(MakeOutcome(delivery, result));
  }

  // The attempt of `delivery` that ended with `result`, and the state the retry policy gives it.
  store::AttemptOutcome MakeOutcome(const core::Delivery& delivery, const HttpResult& result) {
    const int number = delivery.attempt_count + 1;
    const AttemptVerdict verdict = JudgeAttempt(result);
    const RetryDecision decision = retry_policy_(delivery, number, verdict, core::NowUnixMillis());
    return store::AttemptOutcome{MakeAttempt(delivery.id, number, result, verdict), decision.state,
                                 decision.next_attempt_at_ms,
                                 decision.error.empty() ? verdict.error : decision.error,
                                 decision.disable_hook_reason};
  }

  // Hands the attempts not yet recorded to the recorder (one store transaction, on its thread).
  void RecordUnrecorded() {
    if (unrecorded_.empty()) return;
    recorder_->Submit(std::exchange(unrecorded_, {}));
  }

  // Called on the recorder's thread once `outcomes` are in the store (or failed to be).
  void OnRecorded(const std::vector<store::AttemptOutcome>& outcomes,
                  const std::vector<Status>& statuses) {
    // A retry is due at a time the last claim could not see (the delivery was still leased):
    // claim again now, which also brings the next claim forward to that time.
    if (std::any_of(outcomes.begin(), outcomes.end(), [](const store::AttemptOutcome& outcome) {
          return outcome.new_state == core::DeliveryState::kPending;
        }))
      Notify();
    for (size_t index = 0; index < outcomes.size() && index < statuses.size(); ++index) {
      if (statuses[index].ok()) continue;
      const store::Attempt& attempt = outcomes[index].attempt;
      LogProblem("recording attempt " + std::to_string(attempt.number) + " of delivery " +
                 std::to_string(attempt.delivery_id) +
                 " failed (its lease will expire and it will be sent again): " +
                 statuses[index].error().message);
    }
  }

  // Claims nothing more; records what completes before `deadline`, then aborts the rest.
  void Drain(SteadyClock::time_point deadline) {
    claimer_->Shutdown();  // finishes a claim under way; its batch is handed back below
    if (std::optional<ClaimedBatch> batch = claimer_->Take(); batch.has_value())
      for (const core::Delivery& claimed : batch->deliveries)
        HandBack(claimed, core::NowUnixMillis());
    for (const core::Delivery& waiting : scheduler_.TakeAllWaiting())
      HandBack(waiting, core::NowUnixMillis());  // unattempted: due again at once elsewhere
    while (!in_flight_.empty() && SteadyClock::now() < deadline) {
      RecordCompletions(sender_->Poll(MillisecondsUntil(deadline)));
      for (const core::Delivery& waiting : scheduler_.TakeAllWaiting())
        HandBack(waiting, core::NowUnixMillis());
    }
    RecordUnrecorded();
    recorder_->Shutdown();  // every attempt recorded before Shutdown returns
    aborted_count_ = sender_->AbortAll().size();
    in_flight_.clear();
  }

  store::Store& store_;
  DispatcherOptions options_;
  const std::unique_ptr<HttpSender> sender_;  // Wakeup from any thread; the rest sending thread
  const RetryPolicy retry_policy_;
  DestinationScheduler scheduler_;  // sending thread only: claimed, waiting or in flight

  // Records finished attempts off the sending thread; created by Start.
  std::unique_ptr<AttemptRecorder> recorder_;
  // Claims due deliveries off the sending thread; created by Start.
  std::unique_ptr<DeliveryClaimer> claimer_;

  std::mutex lifecycle_mutex_;   // serializes Start and Shutdown
  std::thread thread_;           // guarded by lifecycle_mutex_
  bool started_ = false;         // guarded by lifecycle_mutex_
  bool shut_down_ = false;       // guarded by lifecycle_mutex_
  bool shutdown_result_ = true;  // guarded by lifecycle_mutex_

  std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false;                  // guarded by mutex_
  bool claimed_ = false;                   // guarded by mutex_; a claimed batch is ready
  bool stopping_ = false;                  // guarded by mutex_
  SteadyClock::time_point stop_deadline_;  // guarded by mutex_

  // Sending thread only (read by Shutdown after joining it).
  std::unordered_map<uint64_t, core::Delivery> in_flight_;
  // The hook secrets of claimed deliveries not yet started, by delivery id (AddClaimedBatch).
  std::unordered_map<int64_t, Result<std::vector<std::string>>> signing_secrets_;
  uint64_t next_tag_ = 1;
  SteadyClock::time_point next_claim_at_;
  // A claim was due while another was under way: claim again once its batch is added.
  bool claim_again_ = false;
  // Finished attempts not yet recorded (their deliveries still leased), and when to record them.
  std::vector<store::AttemptOutcome> unrecorded_;
  SteadyClock::time_point record_by_;
  size_t aborted_count_ = 0;
};

Dispatcher::Dispatcher(store::Store& store, DispatcherOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

Dispatcher::~Dispatcher() { impl_->Shutdown(kDestructorShutdownTimeout); }

void Dispatcher::Start() { impl_->Start(); }

void Dispatcher::Notify() { impl_->Notify(); }

bool Dispatcher::Shutdown(std::chrono::milliseconds timeout) { return impl_->Shutdown(timeout); }

}  // namespace runhook::delivery
