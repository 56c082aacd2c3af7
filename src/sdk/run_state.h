// What a runhook::Run holds: the run's identity, its log buffer and its shipper.
//
// Created by Init, owned by Run through a unique_ptr. The identity fields are immutable after
// Init, so reading them needs no lock; the buffer and the shipper are thread-safe; Finish is
// serialized by finish_mutex.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "runhook/runhook.h"
#include "sdk/log_buffer.h"
#include "sdk/shipper.h"

namespace runhook::detail {

class RunState {
 public:
  explicit RunState(size_t batch_rows) : buffer(batch_rows) {}

  std::string id;
  std::string name;
  std::string entity;
  std::string project;
  std::string url;
  std::string server_url;
  std::string run_path;  // "/api/v1/runs/<entity>/<project>/<id>"
  Json config;
  std::chrono::milliseconds finish_timeout{0};

  sdk::LogBuffer buffer;  // declared before shipper, which borrows it
  std::unique_ptr<sdk::Shipper> shipper;

  std::mutex finish_mutex;
  bool finished = false;  // guarded by finish_mutex
};

}  // namespace runhook::detail
