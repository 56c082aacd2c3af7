// zstd on a typical history body (issue 8: "the shipping thread compresses when it pays"): the
// compact encoding of one batch of 1,000 rows x 5 float metrics, as the SDK's BatchWriter writes
// it, compressed with a reused context at levels 1 and 3 (the SDK uses 1), and decompressed as
// the server does. Reports the body and compressed sizes and the throughput over the uncompressed
// bytes; bench/README.md (ingestion) reads them.
#include <benchmark/benchmark.h>
#include <zstd.h>

#include <cmath>
#include <random>
#include <string>

#include "sdk/batch_writer.h"
#include "sdk/log_buffer.h"

namespace {

using runhook::sdk::BatchWriter;
using runhook::sdk::DrainedRows;
using runhook::sdk::LogBuffer;

// Metrics shaped like a training run's: a noisy decaying loss, a rising accuracy, a stepped
// learning rate, a noisy gradient norm and the epoch fraction.
std::string HistoryBody() {
  constexpr int64_t kRows = 1000;
  LogBuffer buffer(kRows);
  std::mt19937_64 random(42);
  std::normal_distribution<double> noise(0.0, 0.05);
  for (int64_t step = 0; step < kRows; ++step) {
    const double progress = static_cast<double>(step) / kRows;
    buffer.Append({{"loss", 2.5 * std::exp(-3.0 * progress) + noise(random)},
                   {"accuracy", 0.1 + 0.85 * progress + noise(random) / 5},
                   {"learning_rate", 0.001 * std::pow(0.5, step / 250)},
                   {"gradient_norm", 1.0 + std::abs(noise(random)) * 10},
                   {"epoch_fraction", progress}},
                  step);
  }
  DrainedRows drained;
  buffer.Drain(drained);
  BatchWriter writer;
  std::string body;
  writer.Write("0123456789abcdef-000001", drained, 0, drained.row_count, body);
  buffer.Recycle(drained);
  return body;
}

void BM_CompressHistoryBody(benchmark::State& state) {
  const std::string body = HistoryBody();
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, static_cast<int>(state.range(0)));
  std::string compressed(ZSTD_compressBound(body.size()), '\0');
  size_t size = 0;
  for (auto _ : state) {
    size = ZSTD_compress2(context, compressed.data(), compressed.size(), body.data(), body.size());
    benchmark::DoNotOptimize(size);
  }
  ZSTD_freeCCtx(context);
  if (ZSTD_isError(size)) state.SkipWithError(ZSTD_getErrorName(size));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.counters["compressed_bytes"] = static_cast<double>(size);
  state.counters["ratio"] = static_cast<double>(body.size()) / static_cast<double>(size);
}
BENCHMARK(BM_CompressHistoryBody)->Arg(1)->Arg(3);

void BM_DecompressHistoryBody(benchmark::State& state) {
  const std::string body = HistoryBody();
  std::string compressed(ZSTD_compressBound(body.size()), '\0');
  compressed.resize(ZSTD_compress(compressed.data(), compressed.size(), body.data(), body.size(),
                                  static_cast<int>(state.range(0))));
  ZSTD_DCtx* context = ZSTD_createDCtx();
  std::string decompressed(body.size(), '\0');
  for (auto _ : state) {
    const size_t size = ZSTD_decompressDCtx(context, decompressed.data(), decompressed.size(),
                                            compressed.data(), compressed.size());
    benchmark::DoNotOptimize(size);
  }
  ZSTD_freeDCtx(context);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecompressHistoryBody)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
