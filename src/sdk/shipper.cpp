#include "sdk/shipper.h"

#include <algorithm>
#include <cstdio>

#include "core/history_encoding.h"
#include "core/ids.h"

namespace runhook::sdk {

Shipper::Shipper(LogBuffer& buffer, std::unique_ptr<HttpClient> client, std::string run_path,
                 ShipperOptions options, std::unique_ptr<SpoolWriter> spool)
    : buffer_(buffer),
      client_(std::move(client)),
      spool_(std::move(spool)),
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
  if (!client_ && !spool_) {  // mode "disabled": nothing is kept
    DrainedRows discarded;
    buffer_.Drain(discarded);
    buffer_.Recycle(discarded);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    wake_requested_ = true;
  }
  wake_cv_.notify_one();
}

bool Shipper::Enqueue(std::string suffix, std::string json_body, const char* method) {
  if (!client_ && !spool_) return true;  // mode "disabled": discarded
  // Read before taking mutex_ (lock order): the rows logged before this request go before it.
  const uint64_t rows_before = buffer_.rows_logged();
  {
    std::lock_guard lock(mutex_);
    if (stop_requested_ || thread_ended_) return false;
    enqueued_.push_back(
        QueuedBatch{std::move(json_body), 0, std::move(suffix), method, rows_before});
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
    if (client_) client_->LimitDeadline(deadline);
    thread_.join();
  }
  if (spool_) {
    // Whatever the thread did not get to (or could not deliver) goes to the spool.
    QueueDrainedRows();
    SpoolQueue();
  }
  final_result_ = progress_;
  final_result_.unsent_rows = QueuedRows() + spooled_rows_ + buffer_.pending_rows();
  const bool spooled = spool_ && spool_->HasPending();
  final_result_.all_shipped =
      final_result_.unsent_rows == 0 && queue_.empty() && !HasUnserialized() && !spooled;
  if (spooled) final_result_.spool_directory = spool_->directory();
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
    const bool pending = Pending();
    const bool retry_now = pending && now >= retry_at_;
    const bool heartbeat_now =
        client_ && !stopping && !pending && now - last_contact_ >= options_.heartbeat_interval;
    if (!drain_now && !retry_now && !heartbeat_now) {
      if (stopping && !pending) break;
      auto wake_at = next_drain;
      // A heartbeat is due only when nothing waits to be sent (else waking for it would spin).
      if (client_ && !pending)
        wake_at = std::min(wake_at, last_contact_ + options_.heartbeat_interval);
      if (pending) wake_at = std::min(wake_at, retry_at_);
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
    if (Pending() && (now >= retry_at_ || stopping)) outcome = ShipQueued(request_deadline);
    if (outcome == SendOutcome::kRetryLater || outcome == SendOutcome::kUnreachable) {
      SpoolQueue();  // the server is slow or away: keep the backlog on disk, not in memory
      retry_delay_ = stopping ? options_.first_retry_delay
                              : std::clamp(retry_delay_ * 2, options_.first_retry_delay,
                                           options_.max_retry_delay);
      retry_at_ = SteadyClock::now() + retry_delay_;
    } else {
      retry_delay_ = std::chrono::milliseconds(0);
    }
    if (client_ && !stopping && !Pending() &&
        SteadyClock::now() - last_contact_ >= options_.heartbeat_interval) {
      Send(run_path_ + "/heartbeat", "{}", request_deadline);
      last_contact_ = SteadyClock::now();  // also after a failure: beat again one interval later
    }

    lock.lock();
    if (!Pending() && flush_completed_ < drained_generation) {
      flush_completed_ = drained_generation;
      flushed_cv_.notify_all();
    }
    if (stopping && drained_since_stop &&
        (!Pending() || outcome == SendOutcome::kUnreachable || SteadyClock::now() >= stop_deadline))
      break;
  }
  thread_ended_ = true;
  flushed_cv_.notify_all();
}

void Shipper::QueueDrainedRows() {
  SerializeAll();  // the rows of the previous drain go first (and its chunks go back)
  // Taken before the drain, so every row logged before an Enqueue is sent before its request.
  std::vector<QueuedBatch> enqueued;
  {
    std::lock_guard lock(mutex_);
    enqueued.swap(enqueued_);
  }
  buffer_.Drain(drained_);
  // Each request goes after the rows logged before it was queued and before the later ones.
  const uint64_t first_row = rows_drained_;
  const size_t row_count = drained_.row_count;
  rows_drained_ += row_count;
  for (auto& request : enqueued) {
    const uint64_t before = std::max(request.rows_before, first_row) - first_row;
    const size_t position = static_cast<size_t>(std::min<uint64_t>(before, row_count));
    drained_requests_.push_back(PositionedRequest{position, std::move(request)});
  }
  // Offline, or an outage in progress: append behind what is already spooled, to keep the order.
  if (spool_ && (!client_ || spool_->HasPending())) SpoolQueue();
}

bool Shipper::HasUnserialized() const {
  return serialized_rows_ < drained_.row_count || !drained_requests_.empty();
}

void Shipper::SerializeNext() {
  if (!drained_requests_.empty() && drained_requests_.front().position <= serialized_rows_) {
    queue_.push_back(std::move(drained_requests_.front().request));
    drained_requests_.pop_front();
  } else {
    size_t end = std::min(drained_.row_count, serialized_rows_ + options_.batch_rows);
    if (!drained_requests_.empty()) end = std::min(end, drained_requests_.front().position);
    QueuedBatch batch{.body = std::string(),
                      .row_count = end - serialized_rows_,
                      .content_type = core::history_encoding::kContentType};
    writer_.Write(batch_prefix_ + std::to_string(++batch_counter_), drained_, serialized_rows_, end,
                  batch.body);
    queue_.push_back(std::move(batch));
    serialized_rows_ = end;
  }
  if (!HasUnserialized() && !drained_.chunks.empty()) {
    buffer_.Recycle(drained_);  // serialized: the chunks can take new rows
    serialized_rows_ = 0;
  }
}

void Shipper::SerializeAll() {
  while (HasUnserialized()) SerializeNext();
}

void Shipper::SpoolQueue() {
  if (!spool_) return;
  SerializeAll();
  while (!queue_.empty()) {
    const QueuedBatch& front = queue_.front();
    if (Status status = spool_->Append(front.method, front.suffix, front.row_count, front.body,
                                       front.content_type);
        !status) {
      if (!warned_spool_)
        std::fprintf(stderr, "runhook: warning: %s; keeping unsent data in memory\n",
                     status.error().message.c_str());
      warned_spool_ = true;
      return;
    }
    spooled_rows_ += front.row_count;
    queue_.pop_front();
  }
}

bool Shipper::Pending() const {
  return !queue_.empty() || HasUnserialized() || (client_ && spool_ && spool_->HasPending());
}

void Shipper::WarnRejected(const std::string& suffix, size_t row_count) {
  progress_.rejected_rows += row_count;
  if (suffix == "/history")
    std::fprintf(stderr, "runhook: warning: the server rejected %zu logged rows: %s\n", row_count,
                 progress_.last_error.c_str());
  else
    std::fprintf(stderr, "runhook: warning: the server rejected the request to %s: %s\n",
                 suffix.c_str() + 1, progress_.last_error.c_str());
}

Shipper::SendOutcome Shipper::ShipQueued(SteadyClock::time_point deadline) {
  if (!client_) return SendOutcome::kAcknowledged;  // offline: the spool is the destination
  // The spool holds older requests than queue_ (queue_ is moved there whole), so it goes first.
  while (spool_ && spool_->HasPending()) {
    std::string error;
    const std::optional<SpoolRecord> record = spool_->Peek(error);
    if (!record) {
      if (!spool_->HasPending()) break;  // only the register record was left
      progress_.last_error = error;
      return SendOutcome::kRetryLater;
    }
    const SendOutcome outcome = Send(run_path_ + record->path, record->body, deadline,
                                     record->method.c_str(), record->content_type);
    if (outcome == SendOutcome::kRetryLater || outcome == SendOutcome::kUnreachable) return outcome;
    if (outcome == SendOutcome::kRejected) WarnRejected(record->path, record->rows);
    spooled_rows_ -= std::min(spooled_rows_, record->rows);
    spool_->Acknowledge();
  }
  while (!queue_.empty() || HasUnserialized()) {
    if (queue_.empty()) SerializeNext();
    const QueuedBatch& front = queue_.front();  // stays put while SerializeNext appends behind it
    client_->Begin(front.method, run_path_ + front.suffix, front.body, deadline,
                   front.content_type);
    // While the server works on this one, serialize the next few batches, then wait: with one
    // ready the next request goes out as soon as the answer comes (Poll only looks between
    // batches, so serializing further ahead would leave the server idle for a while).
    while (HasUnserialized() && queue_.size() <= kBatchesAhead && !client_->Poll()) SerializeNext();
    const SendOutcome outcome = Conclude(client_->Wait());
    if (outcome == SendOutcome::kRetryLater || outcome == SendOutcome::kUnreachable) return outcome;
    if (outcome == SendOutcome::kRejected) WarnRejected(front.suffix, front.row_count);
    queue_.pop_front();
  }
  return SendOutcome::kAcknowledged;
}

Shipper::SendOutcome Shipper::Send(const std::string& path, const std::string& body,
                                   SteadyClock::time_point deadline, const char* method,
                                   std::string_view content_type) {
  return Conclude(client_->Send(method, path, body, deadline, content_type));
}

Shipper::SendOutcome Shipper::Conclude(const HttpResponse& response) {
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
  size_t rows = drained_.row_count - serialized_rows_;
  for (const auto& batch : queue_) rows += batch.row_count;
  return rows;
}

}  // namespace runhook::sdk
