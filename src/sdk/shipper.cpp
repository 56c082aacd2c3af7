#include "sdk/shipper.h"

#include <algorithm>
#include <cstdio>

#include "core/ids.h"

namespace runhook::sdk {

Shipper::Shipper(LogBuffer& buffer, std::unique_ptr<HttpClient> client, std::string run_path,
                 ShipperOptions options)
    : buffer_(buffer),
      client_(std::move(client)),
      run_path_(std::move(run_path)),
      options_(options),
      batch_prefix_("b-" + core::GenerateRunId() + "-") {}

Shipper::~Shipper() { Shutdown(SteadyClock::now()); }

void Shipper::Start() {
  std::lock_guard shutdown_lock(shutdown_mutex_);
  if (shut_down_ || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Shipper::Wake() {
  {
    std::lock_guard lock(mutex_);
    wake_requested_ = true;
  }
  wake_cv_.notify_one();
}

bool Shipper::Enqueue(std::string suffix, std::string json_body) {
  {
    std::lock_guard lock(mutex_);
    if (stop_requested_ || thread_ended_) return false;
    enqueued_.push_back(QueuedBatch{std::move(json_body), 0, std::move(suffix)});
    wake_requested_ = true;
  }
  wake_cv_.notify_one();
  return true;
}

bool Shipper::Flush(SteadyClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (thread_ended_ || stop_requested_) return false;
  const uint64_t generation = ++flush_requested_;
  wake_cv_.notify_one();
  flushed_cv_.wait_until(lock, deadline,
                         [&] { return flush_completed_ >= generation || thread_ended_; });
  return flush_completed_ >= generation;
}

ShipResult Shipper::Shutdown(SteadyClock::time_point deadline) {
  std::lock_guard shutdown_lock(shutdown_mutex_);
  if (shut_down_) return final_result_;
  shut_down_ = true;
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_requested_ = true;
      stop_deadline_ = deadline;
    }
    wake_cv_.notify_one();
    client_->LimitDeadline(deadline);
    thread_.join();
  }
  final_result_ = progress_;
  final_result_.unsent_rows = QueuedRows() + buffer_.pending_rows();
  final_result_.all_shipped = final_result_.unsent_rows == 0;
  return final_result_;
}

void Shipper::Loop() {
  auto next_drain = SteadyClock::now() + options_.ship_interval;
  last_contact_ = SteadyClock::now();
  uint64_t drained_generation = 0;  // the Flush generation covered by the last drain
  bool drained_since_stop = false;
  std::unique_lock lock(mutex_);
  while (true) {
    const auto now = SteadyClock::now();
    const bool stopping = stop_requested_;
    const auto stop_deadline = stop_deadline_;
    if (stopping && drained_since_stop && now >= stop_deadline) break;
    const bool drain_now = wake_requested_ || flush_requested_ > drained_generation ||
                           now >= next_drain || (stopping && !drained_since_stop);
    const bool retry_now = !queue_.empty() && now >= retry_at_;
    const bool heartbeat_now =
        !stopping && queue_.empty() && now - last_contact_ >= options_.heartbeat_interval;
    if (!drain_now && !retry_now && !heartbeat_now) {
      if (stopping && queue_.empty()) break;
      auto wake_at = std::min(next_drain, last_contact_ + options_.heartbeat_interval);
      if (!queue_.empty()) wake_at = std::min(wake_at, retry_at_);
      if (stopping) wake_at = std::min(wake_at, stop_deadline);
      wake_cv_.wait_until(lock, wake_at, [&] {
        return (stop_requested_ && !stopping) || wake_requested_ ||
               flush_requested_ > drained_generation;
      });
      continue;
    }
    wake_requested_ = false;
    const uint64_t generation = flush_requested_;
    lock.unlock();

    const auto request_deadline = stopping ? stop_deadline : now + options_.request_timeout;
    if (drain_now) {
      QueueDrainedRows();
      next_drain = now + options_.ship_interval;
      drained_generation = generation;
      if (stopping) drained_since_stop = true;
    }
    SendOutcome outcome = SendOutcome::kAcknowledged;
    if (!queue_.empty() && (now >= retry_at_ || stopping)) outcome = ShipQueued(request_deadline);
    if (outcome == SendOutcome::kRetryLater || outcome == SendOutcome::kUnreachable) {
      retry_delay_ = stopping ? options_.first_retry_delay
                              : std::clamp(retry_delay_ * 2, options_.first_retry_delay,
                                           options_.max_retry_delay);
      retry_at_ = SteadyClock::now() + retry_delay_;
    } else {
      retry_delay_ = std::chrono::milliseconds(0);
    }
    if (!stopping && queue_.empty() &&
        SteadyClock::now() - last_contact_ >= options_.heartbeat_interval) {
      Send(run_path_ + "/heartbeat", "{}", request_deadline);
      last_contact_ = SteadyClock::now();  // also after a failure: beat again one interval later
    }

    lock.lock();
    if (queue_.empty() && flush_completed_ < drained_generation) {
      flush_completed_ = drained_generation;
      flushed_cv_.notify_all();
    }
    if (stopping && drained_since_stop &&
        (queue_.empty() || outcome == SendOutcome::kUnreachable ||
         SteadyClock::now() >= stop_deadline))
      break;
  }
  thread_ended_ = true;
  flushed_cv_.notify_all();
}

void Shipper::QueueDrainedRows() {
  // Taken before the drain, so every row logged before an Enqueue is sent before its request.
  std::vector<QueuedBatch> enqueued;
  {
    std::lock_guard lock(mutex_);
    enqueued.swap(enqueued_);
  }
  buffer_.Drain(drained_);
  const auto& rows = drained_.rows;
  for (size_t start = 0; start < rows.size(); start += options_.batch_rows) {
    const size_t end = std::min(rows.size(), start + options_.batch_rows);
    QueuedBatch batch{std::string(), end - start};
    writer_.Write(batch_prefix_ + std::to_string(++batch_counter_), drained_, start, end,
                  batch.body);
    queue_.push_back(std::move(batch));
  }
  for (auto& request : enqueued) queue_.push_back(std::move(request));
}

Shipper::SendOutcome Shipper::ShipQueued(SteadyClock::time_point deadline) {
  while (!queue_.empty()) {
    const SendOutcome outcome =
        Send(run_path_ + queue_.front().suffix, queue_.front().body, deadline);
    if (outcome == SendOutcome::kRetryLater || outcome == SendOutcome::kUnreachable) return outcome;
    if (outcome == SendOutcome::kRejected) {
      progress_.rejected_rows += queue_.front().row_count;
      if (queue_.front().suffix == "/history")
        std::fprintf(stderr, "runhook: warning: the server rejected %zu logged rows: %s\n",
                     queue_.front().row_count, progress_.last_error.c_str());
      else
        std::fprintf(stderr, "runhook: warning: the server rejected the request to %s: %s\n",
                     queue_.front().suffix.c_str() + 1, progress_.last_error.c_str());
    }
    queue_.pop_front();
  }
  return SendOutcome::kAcknowledged;
}

Shipper::SendOutcome Shipper::Send(const std::string& path, const std::string& body,
                                   SteadyClock::time_point deadline) {
  const HttpResponse response = client_->PostJson(path, body, deadline);
  if (!response.transport_ok()) {
    progress_.last_error = DescribeFailure(response);
    return response.unreachable ? SendOutcome::kUnreachable : SendOutcome::kRetryLater;
  }
  last_contact_ = SteadyClock::now();
  if (response.success()) return SendOutcome::kAcknowledged;
  progress_.last_error = DescribeFailure(response);
  const bool transient = response.status == 408 || response.status == 429 || response.status >= 500;
  return transient ? SendOutcome::kRetryLater : SendOutcome::kRejected;
}

size_t Shipper::QueuedRows() const {
  size_t rows = 0;
  for (const auto& batch : queue_) rows += batch.row_count;
  return rows;
}

}  // namespace runhook::sdk
