// ingest_driver: one process of the end-to-end ingestion benchmark (bench/ingest_bench.py).
//
//   ingest_driver --server URL --steps N --metrics M [--start-at NS] [--project P]
//   ingest_driver --reference --database PATH --steps N --metrics M [--runs R]
//
// SDK mode: Init one run on the server at URL, wait until CLOCK_MONOTONIC reaches NS (so that
// several processes start logging together), log N steps of M float metrics ("metric_0" ...)
// through the public API (Run::Log with an initializer list, one call per step), then Finish().
// Finish returns once the server has acknowledged every history batch (each acknowledged only
// after its transaction committed) and the finish itself, so the last point is durable then.
// Prints one JSON line: {"run_id", "points", "start_ns", "logged_ns", "finished_ns"}.
//
// Reference mode: the same points inserted into SQLite directly, one row per point
// (run, step, key, value), one prepared statement, one transaction, with the journal settings of
// the server's store (src/store/sqlite_connection.cpp). R runs are inserted one after another
// (run = 0 .. R-1). Prints {"points", "start_ns", "finished_ns"}, the time from BEGIN to the
// return of COMMIT.
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runhook/runhook.h"

namespace {

constexpr size_t kMaxMetrics = 16;

int64_t MonotonicNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The value of metric `metric` at `step`: changes every step, as a training loss would.
double MetricValue(int64_t step, size_t metric) {
  return 1.0 / static_cast<double>(step + 1) + static_cast<double>(metric);
}

struct Arguments {
  std::string server_url;
  std::string database;
  std::string project = "ingest-bench";
  int64_t steps = 200'000;
  size_t metrics = 5;
  int64_t runs = 1;
  int64_t start_at_ns = 0;
  bool reference = false;
};

// Logs one step of keys.size() metrics with one Log call, as a training loop would write
// run.Log({{"loss", ...}, {"accuracy", ...}}).
template <size_t... Index>
void LogStep(runhook::Run& run, const std::array<std::string, kMaxMetrics>& keys, int64_t step,
             std::index_sequence<Index...>) {
  run.Log({{keys[Index], runhook::LogValue(MetricValue(step, Index))}...}, step);
}

template <size_t Count>
void LogSteps(runhook::Run& run, const std::array<std::string, kMaxMetrics>& keys, int64_t steps) {
  for (int64_t step = 0; step < steps; ++step)
    LogStep(run, keys, step, std::make_index_sequence<Count>());
}

template <size_t... Count>
void LogStepsOfWidth(size_t metrics, runhook::Run& run,
                     const std::array<std::string, kMaxMetrics>& keys, int64_t steps,
                     std::index_sequence<Count...>) {
  // Count + 1 runs over 1 .. kMaxMetrics; exactly one matches `metrics`.
  ((metrics == Count + 1 ? LogSteps<Count + 1>(run, keys, steps) : void()), ...);
}

int RunSdk(const Arguments& arguments) {
  std::array<std::string, kMaxMetrics> keys;
  for (size_t index = 0; index < kMaxMetrics; ++index)
    keys[index] = "metric_" + std::to_string(index);
  runhook::Run run = runhook::Init({.project = arguments.project,
                                    .server_url = arguments.server_url,
                                    .finish_timeout = std::chrono::minutes(10),
                                    .quiet = true});
  while (MonotonicNanoseconds() < arguments.start_at_ns)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  const int64_t start_ns = MonotonicNanoseconds();
  LogStepsOfWidth(arguments.metrics, run, keys, arguments.steps,
                  std::make_index_sequence<kMaxMetrics>());
  const int64_t logged_ns = MonotonicNanoseconds();
  run.Finish();
  const int64_t finished_ns = MonotonicNanoseconds();
  std::printf(
      "{\"run_id\": \"%s\", \"points\": %lld, \"start_ns\": %lld, \"logged_ns\": %lld, "
      "\"finished_ns\": %lld}\n",
      run.Id().c_str(), static_cast<long long>(arguments.steps * arguments.metrics),
      static_cast<long long>(start_ns), static_cast<long long>(logged_ns),
      static_cast<long long>(finished_ns));
  return 0;
}

// Runs `sql` on `database`; exits naming the statement and SQLite's message when it fails.
void Execute(sqlite3* database, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(database, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::fprintf(stderr, "ingest_driver: '%s' failed: %s\n", sql, message ? message : "?");
    std::exit(1);
  }
}

int RunReference(const Arguments& arguments) {
  sqlite3* database = nullptr;
  if (sqlite3_open(arguments.database.c_str(), &database) != SQLITE_OK) {
    std::fprintf(stderr, "ingest_driver: cannot open '%s': %s\n", arguments.database.c_str(),
                 sqlite3_errmsg(database));
    return 1;
  }
  // The server's store settings (src/store/sqlite_connection.cpp).
  Execute(database,
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
          "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;");
  Execute(database,
          "CREATE TABLE points (run INTEGER NOT NULL, step INTEGER NOT NULL, key TEXT NOT NULL,"
          " value REAL NOT NULL)");
  std::vector<std::string> keys;
  for (size_t index = 0; index < arguments.metrics; ++index)
    keys.push_back("metric_" + std::to_string(index));
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(database, "INSERT INTO points (run, step, key, value) VALUES (?, ?, ?, ?)",
                         -1, &insert, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "ingest_driver: prepare failed: %s\n", sqlite3_errmsg(database));
    return 1;
  }
  const int64_t start_ns = MonotonicNanoseconds();
  Execute(database, "BEGIN");
  for (int64_t run = 0; run < arguments.runs; ++run) {
    for (int64_t step = 0; step < arguments.steps; ++step) {
      for (size_t metric = 0; metric < keys.size(); ++metric) {
        sqlite3_bind_int64(insert, 1, run);
        sqlite3_bind_int64(insert, 2, step);
        sqlite3_bind_text(insert, 3, keys[metric].data(), static_cast<int>(keys[metric].size()),
                          SQLITE_STATIC);
        sqlite3_bind_double(insert, 4, MetricValue(step, metric));
        if (sqlite3_step(insert) != SQLITE_DONE) {
          std::fprintf(stderr, "ingest_driver: insert failed: %s\n", sqlite3_errmsg(database));
          return 1;
        }
        sqlite3_reset(insert);
      }
    }
  }
  Execute(database, "COMMIT");
  const int64_t finished_ns = MonotonicNanoseconds();
  sqlite3_finalize(insert);
  sqlite3_close(database);
  std::printf("{\"points\": %lld, \"start_ns\": %lld, \"finished_ns\": %lld}\n",
              static_cast<long long>(arguments.runs * arguments.steps *
                                     static_cast<int64_t>(arguments.metrics)),
              static_cast<long long>(start_ns), static_cast<long long>(finished_ns));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  for (int index = 1; index < argc; ++index) {
    const std::string option = argv[index];
    if (option == "--reference") {
      arguments.reference = true;
      continue;
    }
    if (index + 1 >= argc) {
      std::fprintf(stderr, "ingest_driver: option '%s' needs a value\n", option.c_str());
      return 2;
    }
    const char* value = argv[++index];
    if (option == "--server") {
      arguments.server_url = value;
    } else if (option == "--database") {
      arguments.database = value;
    } else if (option == "--project") {
      arguments.project = value;
    } else if (option == "--steps") {
      arguments.steps = std::atoll(value);
    } else if (option == "--metrics") {
      arguments.metrics = static_cast<size_t>(std::atoll(value));
    } else if (option == "--runs") {
      arguments.runs = std::atoll(value);
    } else if (option == "--start-at") {
      arguments.start_at_ns = std::atoll(value);
    } else {
      std::fprintf(stderr, "ingest_driver: unknown option '%s'\n", option.c_str());
      return 2;
    }
  }
  if (arguments.metrics < 1 || arguments.metrics > kMaxMetrics || arguments.steps < 1 ||
      arguments.runs < 1) {
    std::fprintf(stderr, "ingest_driver: --metrics must be 1..%zu, --steps and --runs >= 1\n",
                 kMaxMetrics);
    return 2;
  }
  if (arguments.reference ? arguments.database.empty() : arguments.server_url.empty()) {
    std::fprintf(stderr,
                 "usage: ingest_driver --server URL --steps N --metrics M [--start-at NS]\n"
                 "       ingest_driver --reference --database PATH --steps N --metrics M "
                 "[--runs R]\n");
    return 2;
  }
  return arguments.reference ? RunReference(arguments) : RunSdk(arguments);
}
