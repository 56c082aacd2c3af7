// The background thread that ships logged rows to the server and keeps the run's heartbeat.
//
// Every `ship_interval` (or at once when woken because a batch is full) it drains the LogBuffer,
// cuts the rows into batches of at most `batch_rows`, and POSTs each as RUN/history with a unique
// batch_id, in order, in the compact history encoding (sdk/batch_writer.h). One request is in
// flight at a time, on one connection (the server requires a run's steps in order, so batches are
// never sent side by side); while the server works on it, the thread serializes the next batches
// (up to two ahead), so the two sides overlap. Drained chunks go back to the LogBuffer once all
// their rows are serialized. A batch that fails for a transient reason (no connection, timeout,
// 5xx, 408, 429) stays queued with its batch_id and is retried with backoff; the server
// acknowledges a repeated batch_id without storing it twice. A batch the server rejects as invalid
// (other 4xx) is dropped with a warning on stderr. When nothing was sent for `heartbeat_interval`,
// it POSTs RUN/heartbeat. Log never waits for any of this. Other requests of the run (alerts,
// config and summary changes, metric definitions) can be queued with Enqueue: they are sent by the
// same thread, after the rows logged before them and before those logged after, with the same retry
// rules.
//
// Outages (DESIGN.md section 8): given a SpoolWriter, the first send that fails for a transient
// reason moves every queued request to the spool file (sdk/spool.h), and from then on new batches
// and requests are appended there too, until every spooled record has been acknowledged; they are
// sent from the file in order, so memory stays bounded however long the server is away. Without a
// client (mode "offline") everything goes to the spool and nothing is sent; with neither client
// nor spool (mode "disabled") Wake discards the logged rows and Enqueue discards the request, and
// Start must not be called. Without a spool, queued batches stay in memory. If the spool cannot
// be written, they stay in memory (one warning).
//
// Flush and Shutdown take a deadline and always return by it (plus one scheduling tick): every
// HTTP request is bounded by the deadline, and Shutdown lowers the deadline of a request already
// in flight.
//
// Thread safety: Wake, Flush, Shutdown may be called from any thread. Lock order: Shipper's
// mutex_, then nothing (the LogBuffer's mutex is never taken while holding mutex_).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sdk/batch_writer.h"
#include "sdk/http_client.h"
#include "sdk/log_buffer.h"
#include "sdk/spool.h"

namespace runhook::sdk {

struct ShipperOptions {
  std::chrono::milliseconds ship_interval{200};
  std::chrono::milliseconds heartbeat_interval{5000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds first_retry_delay{250};  // doubles per failure up to max_retry_delay
  std::chrono::milliseconds max_retry_delay{5000};
  size_t batch_rows = 1000;
};

struct ShipResult {
  bool all_shipped = true;   // every row drained so far was acknowledged (or rejected and dropped)
  size_t unsent_rows = 0;    // rows still queued when the deadline passed
  size_t rejected_rows = 0;  // rows the server refused as invalid (dropped)
  std::string last_error;    // what went wrong last, for the user; empty when nothing did
  std::string spool_directory;  // the run directory when unsent requests are in its spool
};

class Shipper {
 public:
  // Borrows `buffer` (must outlive the Shipper); owns `client` and `spool`. `run_path` is the RUN
  // prefix, e.g. "/api/v1/runs/alice/demo/abc12345". A null `client` (offline) sends nothing and
  // REQUIRES a `spool`. Does not start the thread.
  Shipper(LogBuffer& buffer, std::unique_ptr<HttpClient> client, std::string run_path,
          ShipperOptions options, std::unique_ptr<SpoolWriter> spool = nullptr);
  // Shuts down with an immediate deadline if Shutdown was not called.
  ~Shipper();
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;

  void Start();

  // Asks the thread to drain and ship now (e.g. a batch is full). Cheap; never blocks on I/O.
  void Wake();

  // Queues a request of `json_body` to run_path + `suffix` (e.g. "/alert") with `method` ("POST",
  // "PATCH" or "PUT"; a string literal) and wakes the thread. Never blocks on I/O. Returns false
  // (and queues nothing) once Shutdown has begun.
  bool Enqueue(std::string suffix, std::string json_body, const char* method = "POST");

  // Ships everything logged before the call; true when the server acknowledged it all by
  // `deadline`. The thread keeps running.
  bool Flush(SteadyClock::time_point deadline);

  // Drains and ships what it can until `deadline`, then stops the thread and returns what was
  // left. Gives up before the deadline when the server refuses connections (it is down; waiting
  // would not help). With a spool, whatever was not acknowledged is in the spool file on return.
  // Idempotent: later calls return the first result.
  ShipResult Shutdown(SteadyClock::time_point deadline);

  // The HTTP client (null when offline), for the caller's own requests once the thread has
  // stopped. REQUIRES: Shutdown has returned (or Start was never called).
  HttpClient* client() { return client_.get(); }

 private:
  enum class SendOutcome { kAcknowledged, kRejected, kRetryLater, kUnreachable };
  struct QueuedBatch {
    std::string body;  // a history batch (sdk/batch_writer.h) or JSON; resent unchanged on retry
    size_t row_count;
    std::string suffix = "/history";  // appended to run_path_
    const char* method = "POST";      // a string literal
    uint64_t rows_before = 0;  // for Enqueue's requests: LogBuffer::rows_logged() when queued
    std::string_view content_type = kJsonContentType;  // of `body`; views a constant
  };

  // Batches serialized ahead of the one in flight; the rest of a drain stays in its chunks.
  static constexpr size_t kBatchesAhead = 2;

  // An Enqueue'd request waiting in drained_requests_ for the rows logged before it.
  struct PositionedRequest {
    size_t position;  // goes after rows [0, position) of drained_
    QueuedBatch request;
  };

  void Loop();
  // Serializes what is left of the previous drain, then drains the buffer into drained_ and
  // places the enqueued requests among its rows (serialized later, by SerializeNext).
  void QueueDrainedRows();
  // Rows of drained_ or requests not yet moved to queue_.
  bool HasUnserialized() const;
  // Moves the next piece of the drain to the back of queue_: a request, or the next rows up to
  // batch_rows (serialized). Recycles drained_'s chunks once all of it is serialized.
  // REQUIRES: HasUnserialized().
  void SerializeNext();
  void SerializeAll();
  // Sends queued batches in order until one fails, serializing the next batch while one is in
  // flight. Returns the outcome of the last send (kAcknowledged when nothing is left).
  SendOutcome ShipQueued(SteadyClock::time_point deadline);
  SendOutcome Send(const std::string& path, const std::string& body,
                   SteadyClock::time_point deadline, const char* method = "POST",
                   std::string_view content_type = kJsonContentType);
  // Classifies a response (updating last_contact_ and progress_.last_error).
  SendOutcome Conclude(const HttpResponse& response);
  void WarnRejected(const std::string& suffix, size_t row_count);
  // Moves queue_ to the end of the spool, in order (keeps what cannot be written).
  void SpoolQueue();
  // Something waits to be sent (in memory, or in the spool when online).
  bool Pending() const;
  size_t QueuedRows() const;

  LogBuffer& buffer_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<SpoolWriter> spool_;  // used by the shipping thread (or Shutdown after join)
  const std::string run_path_;
  const ShipperOptions options_;
  const std::string batch_prefix_;  // "b-<random>-": batch ids are unique across processes

  // Touched only by the shipping thread (or by Shutdown after it has been joined).
  DrainedRows drained_;  // the last drain; rows [0, serialized_rows_) are in queue_ already
  size_t serialized_rows_ = 0;
  std::deque<PositionedRequest> drained_requests_;  // by position; the first not yet in queue_
  BatchWriter writer_;
  // Serialized and not yet acknowledged, in order; the front may be in flight (then its body is
  // borrowed by client_, and only push_back touches the deque until the answer has come).
  std::deque<QueuedBatch> queue_;
  uint64_t batch_counter_ = 0;
  uint64_t rows_drained_ = 0;  // rows taken from the buffer so far (numbers the next drain)
  SteadyClock::time_point retry_at_{};
  std::chrono::milliseconds retry_delay_{0};
  SteadyClock::time_point last_contact_{};
  ShipResult progress_;
  size_t spooled_rows_ = 0;  // history rows in the spool not acknowledged yet
  bool warned_spool_ = false;

  std::mutex mutex_;
  std::condition_variable wake_cv_;     // the thread waits here
  std::condition_variable flushed_cv_;  // Flush waits here
  // Guarded by mutex_.
  bool wake_requested_ = false;
  bool stop_requested_ = false;
  SteadyClock::time_point stop_deadline_{};
  uint64_t flush_requested_ = 0;  // generation asked for by Flush
  uint64_t flush_completed_ = 0;  // generation fully shipped
  bool thread_ended_ = false;
  std::vector<QueuedBatch> enqueued_;  // requests from Enqueue not yet moved to queue_

  std::mutex shutdown_mutex_;  // serializes Shutdown callers; taken before mutex_
  bool shut_down_ = false;     // guarded by shutdown_mutex_
  ShipResult final_result_;    // guarded by shutdown_mutex_
  std::thread thread_;
};

}  // namespace runhook::sdk
