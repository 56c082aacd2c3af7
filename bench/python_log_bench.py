"""runhook.log({5 scalars}) against building the same dict alone, in the same script.

Starts a real `runhook server` (fresh SQLite store in a temporary directory), registers a run
through the Python package and times, call by call with time.perf_counter_ns:
  dict   building {"loss": ..., "accuracy": ..., "learning_rate": ..., "epoch": ..., "grad_norm": ...}
  log    runhook.log({...the same dict literal...})   (what a training loop writes)
  clock  an empty timed region (the cost of the two clock reads, in both figures above)
in alternating rounds, while the SDK's thread ships the rows to the server. Prints p50, p99,
p99.9 and mean per case and checks the targets: log p50 <= 3 us and <= 3x the dict's p50.

  PYTHONPATH=build/python /usr/bin/python3 bench/python_log_bench.py --bin-dir build/bin
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from time import perf_counter_ns


def start_server(bin_dir, data_dir):
    log_path = Path(data_dir) / "server.log"
    log_file = open(log_path, "w")
    process = subprocess.Popen([str(Path(bin_dir) / "runhook"), "server", "--host", "127.0.0.1",
                                "--port", "0", "--data", str(Path(data_dir) / "data")],
                               stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(r"listening on (http://[0-9.]+:[0-9]+)", log_path.read_text())
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the server did not start:\n{log_path.read_text()}")


def time_dict(calls):
    samples = [0] * calls
    for i in range(calls):
        x = i * 0.001
        started = perf_counter_ns()
        {"loss": x, "accuracy": x / 2, "learning_rate": 0.001, "epoch": i // 1000,
         "grad_norm": 1.5}
        samples[i] = perf_counter_ns() - started
    return samples


def time_log(runhook, calls):
    samples = [0] * calls
    for i in range(calls):
        x = i * 0.001
        started = perf_counter_ns()
        runhook.log({"loss": x, "accuracy": x / 2, "learning_rate": 0.001, "epoch": i // 1000,
                     "grad_norm": 1.5})
        samples[i] = perf_counter_ns() - started
    return samples


def time_clock(calls):
    samples = [0] * calls
    for i in range(calls):
        started = perf_counter_ns()
        samples[i] = perf_counter_ns() - started
    return samples


def percentile(sorted_samples, fraction):
    return sorted_samples[min(len(sorted_samples) - 1, int(fraction * len(sorted_samples)))]


def summarize(samples):
    ordered = sorted(samples)
    return {"p50": percentile(ordered, 0.5), "p99": percentile(ordered, 0.99),
            "p99.9": percentile(ordered, 0.999), "mean": sum(ordered) / len(ordered)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", default="build/bin")
    parser.add_argument("--calls", type=int, default=200_000, help="calls per round and case")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()

    import runhook

    with tempfile.TemporaryDirectory() as data_dir:
        server, url = start_server(arguments.bin_dir, data_dir)
        try:
            os.environ["RUNHOOK_URL"] = url
            os.environ["RUNHOOK_DIR"] = str(Path(data_dir) / "sdk")  # a spool, if any, dies here
            runhook.init(project="bench", config={"calls": arguments.calls})
            results = {"dict": [], "log": [], "clock": []}
            for _ in range(arguments.rounds):
                results["clock"] += time_clock(arguments.calls)
                results["dict"] += time_dict(arguments.calls)
                results["log"] += time_log(runhook, arguments.calls)
            started = time.monotonic()
            runhook.finish()
            finish_seconds = time.monotonic() - started
        finally:
            server.terminate()
            server.wait()

    print(f"{arguments.rounds} rounds x {arguments.calls} calls per case; times in ns")
    print(f"{'case':<8}{'p50':>8}{'p99':>8}{'p99.9':>8}{'mean':>8}")
    stats = {case: summarize(samples) for case, samples in results.items()}
    for case, row in stats.items():
        print(f"{case:<8}{row['p50']:>8}{row['p99']:>8}{row['p99.9']:>8}{row['mean']:>8.0f}")
    ratio = stats["log"]["p50"] / stats["dict"]["p50"]
    print(f"log p50 / dict p50 = {ratio:.2f}; finish() flushed "
          f"{arguments.rounds * arguments.calls} rows in {finish_seconds:.2f} s")
    met = stats["log"]["p50"] <= 3000 and ratio <= 3
    print("targets (log p50 <= 3 us and <= 3x dict):", "met" if met else "NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
