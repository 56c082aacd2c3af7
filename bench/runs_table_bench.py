#!/usr/bin/python3
"""Runs-table benchmark: the project page of a project with 1,000 runs.

  /usr/bin/python3 bench/runs_table_bench.py BUILD_DIR [--runs 1000] [--repeats 50]

Starts `BUILD_DIR/bin/runhook server` on a fresh SQLite store in a temporary RUNHOOK_DIR, creates
RUNS runs in one project through the API (each with a config and a history row of 6 metrics, so
each has a 6-key summary), finishes them, then times over one keep-alive connection, alternating:

  page      GET /bench/table                       the HTML runs table (default columns)
  sorted    GET /bench/table?sort=summary.loss&order=asc
  baseline  GET /api/v1/runs?entity=bench&project=table&limit=RUNS   the same runs as JSON

Times are client round trips on loopback (an upper bound of the server time). Target: the page
in under 200 ms.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# The end-to-end tests' helpers for started processes, shared, not copied.
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))
from conftest import Process  # noqa: E402
from bench_http import KeepAliveClient, percentile  # noqa: E402


def create_runs(client, count):
    for index in range(count):
        answer = client.request("POST", "/api/v1/runs", {
            "entity": "bench", "project": "table", "name": f"run-{index:04d}",
            "config": {"lr": 0.001 * (index % 10), "batch_size": 32, "seed": index}})
        path = f"/api/v1/runs/bench/table/{answer['run']['id']}"
        values = {"loss": 1.0 / (index + 1), "accuracy": (index % 100) / 100,
                  "val/loss": 2.0 / (index + 1), "val/accuracy": (index % 50) / 50,
                  "epoch": index % 7, "lr": 0.001}
        client.request("POST", path + "/history", {"rows": [{"step": 0, "values": values}]})
        client.request("POST", path + "/finish", {"exit_code": 0})


def time_requests(client, paths, repeats):
    timings = {name: [] for name in paths}
    sizes = {}
    for _ in range(repeats):
        for name, path in paths.items():
            started = time.perf_counter()
            body = client.request_raw("GET", path)
            timings[name].append((time.perf_counter() - started) * 1000)
            sizes[name] = len(body)
    return timings, sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=50)
    options = parser.parse_args()
    binary = options.build_dir.resolve() / "bin" / "runhook"

    with tempfile.TemporaryDirectory(prefix="runhook-table-bench-") as directory:
        env = dict(os.environ, RUNHOOK_DIR=directory)
        server = Process([str(binary), "server", "--host", "127.0.0.1", "--port", "0",
                          "--data", str(Path(directory) / "data")],
                         Path(directory) / "server.log", env=env)
        try:
            url = server.wait_for_url()
            client = KeepAliveClient(url, timeout=60)
            started = time.monotonic()
            create_runs(client, options.runs)
            print(f"created {options.runs} runs in {time.monotonic() - started:.1f} s")
            paths = {"page": "/bench/table",
                     "sorted": "/bench/table?sort=summary.loss&order=asc",
                     "baseline": f"/api/v1/runs?entity=bench&project=table&limit={options.runs}"}
            rows = client.request_raw("GET", paths["page"]).count(b'<tr class="run"')
            assert rows == options.runs, f"the page lists {rows} runs, not {options.runs}"
            time_requests(client, paths, 3)  # warm up
            timings, sizes = time_requests(client, paths, options.repeats)
        finally:
            server.stop()

    print(f"\n{options.runs} runs, {options.repeats} requests each, keep-alive, loopback\n")
    print("| request | median | p95 | max | body |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in timings.items():
        print(f"| {name} | {statistics.median(values):.1f} ms | {percentile(values, 0.95):.1f} ms"
              f" | {max(values):.1f} ms | {sizes[name] / 1024:.0f} KiB |")
    ratio = statistics.median(timings["page"]) / statistics.median(timings["baseline"])
    page_p95 = percentile(timings["page"], 0.95)
    print(f"\npage / baseline (median): {ratio:.2f}x; page p95 {page_p95:.1f} ms "
          f"(target < 200 ms: {'met' if page_p95 < 200 else 'NOT met'})")


if __name__ == "__main__":
    main()
