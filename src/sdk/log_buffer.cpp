#include "sdk/log_buffer.h"

#include <cstdio>

namespace runhook::sdk {
namespace {

MetricValue FromLogValue(const LogValue& value) {
  return std::visit([](const auto& alternative) -> MetricValue { return alternative; },
                    value.get());
}

MetricValue FromJson(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return value.get<double>();
  if (value.is_string()) return value.get<std::string>();
  return value;
}

}  // namespace

Json ToJson(const MetricValue& value) {
  return std::visit([](const auto& alternative) -> Json { return alternative; }, value);
}

LogChunk::LogChunk() {
  rows.reserve(kRows);
  // Construct and destroy every entry once so the pages are touched here, not by later Appends.
  entries.resize(kEntries);
  entries.clear();
}

LogBuffer::LogBuffer(size_t batch_rows)
    : batch_rows_(batch_rows), current_(std::make_unique<LogChunk>()) {
  free_chunks_.push_back(std::make_unique<LogChunk>());
}

LogBuffer::AppendResult LogBuffer::Append(
    std::initializer_list<std::pair<std::string_view, LogValue>> values,
    std::optional<int64_t> step) {
  return Append(std::span(values.begin(), values.size()), step);
}

LogBuffer::AppendResult LogBuffer::Append(
    std::span<const std::pair<std::string_view, LogValue>> values, std::optional<int64_t> step) {
  std::lock_guard lock(mutex_);
  if (!BeginRow(step, values.size())) return AppendResult::kIgnored;
  size_t position = 0;
  for (const auto& [key, value] : values) AddEntry(InternKey(key, position++), FromLogValue(value));
  previous_call_keys_.resize(position);
  return EndRow();
}

LogBuffer::AppendResult LogBuffer::Append(const Json& values, std::optional<int64_t> step) {
  std::lock_guard lock(mutex_);
  if (!BeginRow(step, values.size())) return AppendResult::kIgnored;
  size_t position = 0;
  for (const auto& [key, value] : values.items())
    AddEntry(InternKey(key, position++), FromJson(value));
  previous_call_keys_.resize(position);
  return EndRow();
}

bool LogBuffer::BeginRow(std::optional<int64_t> step, size_t entry_count) {
  if (closed_) {
    if (!warned_closed_) {
      warned_closed_ = true;
      std::fprintf(stderr, "runhook: warning: ignoring Log after Finish\n");
    }
    return false;
  }
  const int64_t target = step.value_or(last_step_ + 1);
  if (target < 0) {  // the server stores steps 0 .. 2^63 - 1 and would refuse the whole batch
    if (!warned_negative_step_) {
      warned_negative_step_ = true;
      std::fprintf(stderr,
                   "runhook: warning: ignoring Log at step %lld: steps start at 0 (this warning "
                   "is shown once)\n",
                   static_cast<long long>(target));
    }
    return false;
  }
  if (target < last_step_) {
    if (!warned_step_) {
      warned_step_ = true;
      std::fprintf(stderr,
                   "runhook: warning: ignoring Log at step %lld: it is smaller than the last "
                   "logged step %lld (steps must not decrease; this warning is shown once)\n",
                   static_cast<long long>(target), static_cast<long long>(last_step_));
    }
    return false;
  }
  // Merge into the tail row: its entries are the chunk's last ones, so the new ones follow them.
  if (target == last_step_ && tail_row_pending_ &&
      current_->entries.size() + entry_count <= current_->entries.capacity())
    return true;
  if (!current_->HasRoom(entry_count)) StartChunk();
  current_->rows.push_back(LoggedRow{target, static_cast<uint32_t>(current_->entries.size()), 0});
  ++pending_rows_;
  last_step_ = target;
  tail_row_pending_ = true;
  return true;
}

void LogBuffer::StartChunk() {
  full_chunks_.push_back(std::move(current_));
  current_ = TakeFreeChunk();
}

std::unique_ptr<LogChunk> LogBuffer::TakeFreeChunk() {
  if (free_chunks_.empty()) return std::make_unique<LogChunk>();
  std::unique_ptr<LogChunk> chunk = std::move(free_chunks_.back());
  free_chunks_.pop_back();
  return chunk;
}

uint32_t LogBuffer::InternKey(std::string_view key, size_t position) {
  // Fast path: a training loop logs the same keys in the same order on every call.
  if (position < previous_call_keys_.size()) {
    const uint32_t candidate = previous_call_keys_[position];
    if (key_names_[candidate] == key) return candidate;
  }
  uint32_t id;
  if (auto found = key_ids_.find(key); found != key_ids_.end()) {
    id = found->second;
  } else {
    id = static_cast<uint32_t>(key_names_.size());
    key_names_.emplace_back(key);
    key_ids_.emplace(key_names_.back(), id);
    summary_.emplace_back();
  }
  if (position < previous_call_keys_.size())
    previous_call_keys_[position] = id;
  else
    previous_call_keys_.push_back(id);
  return id;
}

void LogBuffer::AddEntry(uint32_t key, MetricValue value) {
  summary_[key] = value;
  current_->entries.push_back(LoggedEntry{key, std::move(value)});
  ++current_->rows.back().entry_count;
}

LogBuffer::AppendResult LogBuffer::EndRow() {
  return pending_rows_ == batch_rows_ ? AppendResult::kBatchFull : AppendResult::kAppended;
}

void LogBuffer::Drain(DrainedRows& out) {
  Recycle(out);
  std::lock_guard lock(mutex_);
  out.chunks.swap(full_chunks_);  // full_chunks_ keeps the (empty) vector's capacity
  if (!current_->rows.empty()) {
    out.chunks.push_back(std::move(current_));
    current_ = TakeFreeChunk();
  }
  out.row_count = pending_rows_;
  rows_drained_ += pending_rows_;
  pending_rows_ = 0;
  tail_row_pending_ = false;
  for (; key_names_drained_ < key_names_.size(); ++key_names_drained_)
    out.key_names.push_back(key_names_[key_names_drained_]);
}

void LogBuffer::Recycle(DrainedRows& drained) {
  for (auto& chunk : drained.chunks) {
    chunk->rows.clear();
    chunk->entries.clear();
  }
  drained.row_count = 0;
  {
    std::lock_guard lock(mutex_);
    while (!drained.chunks.empty() && free_chunks_.size() < kMaxFreeChunks) {
      free_chunks_.push_back(std::move(drained.chunks.back()));
      drained.chunks.pop_back();
    }
  }
  drained.chunks.clear();  // frees the chunks beyond kMaxFreeChunks
}

void LogBuffer::StartAfterStep(int64_t last_step) {
  std::lock_guard lock(mutex_);
  last_step_ = last_step;
}

void LogBuffer::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

Json LogBuffer::Summary() const {
  std::lock_guard lock(mutex_);
  Json summary = Json::object();
  for (size_t key = 0; key < key_names_.size(); ++key)
    if (summary_[key]) summary[key_names_[key]] = ToJson(*summary_[key]);
  return summary;
}

size_t LogBuffer::pending_rows() const {
  std::lock_guard lock(mutex_);
  return pending_rows_;
}

uint64_t LogBuffer::rows_logged() const {
  std::lock_guard lock(mutex_);
  return rows_drained_ + pending_rows_;
}

}  // namespace runhook::sdk
