#!/usr/bin/python3
"""Series benchmark: a 1,000,000-point metric charts as fast as a 1,000-point one (issue 7).

  /usr/bin/python3 bench/series_bench.py BUILD_DIR [--points 1000000] [--repeats 50]

Starts `BUILD_DIR/bin/runhook server` on a fresh SQLite store in a temporary directory
(RUNHOOK_DIR points there too), then:

(a) logs one run with POINTS points of metric "loss" through the public API (POST RUN/history,
    batches of --batch-rows rows with batch ids, one after another) and reports the ingestion
    rate; logs a small run with 1,000 points the same way;
(b) times GET RUN/series?key=loss (default max_points 1000) REPEATS times on each run, and a
    zoomed range on the big run (10% of its steps, downsampled, and 1,000 steps, exact); each
    time is the request's round trip on a kept-alive local connection (an upper bound on the
    server's time), reported as median and p95;
(c) the baseline: the same million points read once through GET RUN/history (JSON rows);
(d) the server's memory from /proc/PID/status (VmHWM, the peak resident size so far; VmRSS and
    its parts RssAnon, heap and stacks, and RssFile, mapped files such as SQLite's mmap) after
    ingestion, after the series requests and after the baseline (Linux only).

Target: the downsampled series of the 1M-point metric in <= 100 ms.
"""
import argparse
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
# The end-to-end tests' helper for started processes, shared, not copied.
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))
from conftest import Process  # noqa: E402
from bench_http import KeepAliveClient, percentile  # noqa: E402


def loss_at(step):
    return 2.0 / (1.0 + step / 10000.0) + 0.05 * math.sin(step / 7.0)


def log_run(client, run_id, points, batch_rows):
    path = f"/api/v1/runs/bench/series/{run_id}"
    client.request("POST", "/api/v1/runs", {"entity": "bench", "project": "series", "id": run_id})
    client.request("POST", path + "/start", {})
    started = time.perf_counter()
    for first in range(0, points, batch_rows):
        rows = [{"step": step, "values": {"loss": loss_at(step)}}
                for step in range(first, min(points, first + batch_rows))]
        client.request("POST", path + "/history", {"batch_id": f"b{first}", "rows": rows})
    return path, time.perf_counter() - started


def server_memory(pid):
    """'VmHWM ... MiB, VmRSS ... MiB, ...' of process `pid`, from /proc (empty elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return ""
    names = ("VmHWM", "VmRSS", "RssAnon", "RssFile")
    fields = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in names:
            fields[name] = int(value.split()[0]) / 1024.0  # kB
    return ", ".join(f"{name} {fields[name]:.1f} MiB" for name in names if name in fields)


def measure(client, path, repeats):
    times = []
    answer = None
    for _ in range(repeats):
        elapsed, answer = client.timed_get(path)
        times.append(elapsed)
    return statistics.median(times), percentile(times, 0.95), answer["series"][0]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--small-points", type=int, default=1_000)
    parser.add_argument("--batch-rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=50)
    arguments = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="series-bench-"))
    server_process = Process(
        [str(arguments.build_dir.resolve() / "bin" / "runhook"), "server", "--host", "127.0.0.1",
         "--port", "0", "--data", str(work / "data")],
        work / "server.log", env=dict(os.environ, RUNHOOK_DIR=str(work)))
    try:
        client = KeepAliveClient(server_process.wait_for_url())
        big_path, big_seconds = log_run(client, "bigrun1", arguments.points, arguments.batch_rows)
        small_path, _ = log_run(client, "smallrun1", arguments.small_points, arguments.batch_rows)
        print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}")
        print(f"ingestion: {arguments.points:,} points in {big_seconds:.1f} s = "
              f"{arguments.points / big_seconds:,.0f} points/s (POST RUN/history, "
              f"{arguments.batch_rows:,} rows per batch)")
        pid = server_process.popen.pid
        print(f"server memory after ingestion: {server_memory(pid)}")

        zoom_first = arguments.points // 2
        cases = [
            ("big run, whole series", big_path + "/series?key=loss"),
            ("small run, whole series", small_path + "/series?key=loss"),
            ("big run, zoom 10% of steps", big_path + "/series?" + urlencode(
                {"key": "loss", "min_step": zoom_first,
                 "max_step": zoom_first + arguments.points // 10 - 1})),
            ("big run, zoom 1,000 steps", big_path + "/series?" + urlencode(
                {"key": "loss", "min_step": zoom_first, "max_step": zoom_first + 999})),
        ]
        results = {}
        print(f"\n{'request':<30} {'total':>9} {'returned':>9} {'median ms':>10} {'p95 ms':>8}")
        for name, path in cases:
            median, p95, series = measure(client, path, arguments.repeats)
            results[name] = (median, p95)
            print(f"{name:<30} {series['total_points']:>9,} {len(series['points']):>9,} "
                  f"{median:>10.2f} {p95:>8.2f}")

        print(f"server memory after the series requests: {server_memory(pid)}")

        history_ms, history = client.timed_get(
            big_path + "/history?" + urlencode({"min_step": 0, "max_step": arguments.points - 1,
                                                "limit": arguments.points}))
        assert len(history["rows"]) == arguments.points, len(history["rows"])
        big_median = results["big run, whole series"][0]
        small_median = results["small run, whole series"][0]
        print(f"{'baseline GET RUN/history once':<30} {arguments.points:>9,} "
              f"{len(history['rows']):>9,} {history_ms:>10.2f}")
        print(f"server memory after the baseline: {server_memory(pid)}")
        print(f"\nratio big/small (median): {big_median / small_median:.2f}")
        print(f"ratio history baseline / big series (median): {history_ms / big_median:.0f}x")
        target = 100.0
        verdict = "meets" if results["big run, whole series"][1] <= target else "MISSES"
        print(f"target: big run series <= {target:.0f} ms: p95 "
              f"{results['big run, whole series'][1]:.2f} ms {verdict} it")
    finally:
        server_process.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
