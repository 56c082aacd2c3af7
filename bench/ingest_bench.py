#!/usr/bin/python3
"""End-to-end ingestion benchmark (issue 8): SDK -> runhook server -> SQLite, beside the ceiling.

  /usr/bin/python3 bench/ingest_bench.py BUILD_DIR [--steps 200000] [--metrics 5] [--runs 8]
                                                   [--concurrent-steps N] [--skip-concurrent]
  /usr/bin/python3 bench/ingest_bench.py BUILD_DIR --rss-runs 10 [--steps 200000] [--metrics 5]

Needs BUILD_DIR/bin/runhook and BUILD_DIR/bin/ingest_driver (bench/ingest_driver.cpp). Measures,
in this order, each on a fresh `runhook server` (SQLite store in a temporary directory, --port 0):

(a) one run: one ingest_driver process logs STEPS steps of METRICS float metrics through the C++
    SDK (one Run::Log call per step) and calls Finish(). The time runs from the first Log to the
    return of Finish(): Finish returns once the server has acknowledged every history batch (the
    server answers a batch only after its transaction committed, WAL + synchronous=NORMAL, the
    store's settings), so the last point is durable when the clock stops. The script then checks
    on the server that every point is there (GET RUN/series total_points per key, last_step).
(b) the reference: the same points inserted into SQLite directly by `ingest_driver --reference`,
    one row per point (run, step, key, value) in a table without secondary indexes, one prepared
    statement, one transaction, the store's PRAGMAs; BEGIN to the return of COMMIT.
(c) RUNS runs at once: RUNS ingest_driver processes (one run each, CONCURRENT_STEPS steps each)
    start logging at the same CLOCK_MONOTONIC instant; the total rate is all points over the time
    from that instant to the last Finish() returning.
With --rss-runs R, instead: one server's memory (VmRSS, VmHWM, RssAnon, RssFile from /proc) when
idle after start and after each of R runs (one driver each) ingested one after another.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# The end-to-end tests' helpers for started processes and deadline waits, shared, not copied.
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))
from conftest import Process  # noqa: E402

PROJECT = "ingest-bench"


def get_json(url):
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.loads(response.read())


def resident_megabytes(pid):
    """(current RSS, peak RSS) of process `pid` in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def memory_mib(pid):
    """VmRSS, VmHWM (peak RSS), RssAnon (heap and stacks) and RssFile (mapped files, the SQLite
    database's mmap included) of process `pid` in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {name: int(fields[name].split()[0]) / 1024
            for name in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def cpu_seconds(pid):
    """User + system CPU time process `pid` has used so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_stored(server, entity, run_id, steps, metrics):
    """Fails unless the server holds all steps x metrics points of the run."""
    run_path = f"/api/v1/runs/{entity}/{PROJECT}/{run_id}"
    run = get_json(server + run_path)
    run = run.get("run", run)
    if run.get("last_step") != steps - 1:
        raise SystemExit(f"run {run_id}: last_step is {run.get('last_step')}, not {steps - 1}")
    series = get_json(server + run_path + "/series?max_points=2")["series"]
    counts = {item["key"]: item["total_points"] for item in series}
    expected = {f"metric_{index}": steps for index in range(metrics)}
    if counts != expected:
        raise SystemExit(f"run {run_id}: stored points per key {counts}, expected {expected}")


def start_server(bin_dir, work, name):
    process = Process([str(bin_dir / "runhook"), "server", "--host", "127.0.0.1", "--port", "0",
                       "--data", str(work / name)], work / f"{name}.log")
    try:
        return process, process.wait_for_url()
    except BaseException:
        process.stop()
        raise


def ingest(bin_dir, work, runs, steps, metrics, name):
    """Starts a server, runs `runs` SDK processes at once, checks the stored points; returns the
    rate and details."""
    process, server = start_server(bin_dir, work, name)
    try:
        return drive(bin_dir, work, process, server, runs, steps, metrics, name)
    finally:
        process.stop()


def drive(bin_dir, work, process, server, runs, steps, metrics, name, check_start=True):
    """Runs `runs` SDK processes at once against the started server `process` (at URL `server`),
    checks the stored points; returns the rate and details. `check_start`: fail when a driver
    started logging more than 100 ms after the agreed instant (it matters for the rates only)."""
    start_at = time.monotonic_ns() + 1_500_000_000 + 200_000_000 * runs  # after every Init
    environment = dict(os.environ, RUNHOOK_DIR=str(work / f"{name}-sdk"),
                       RUNHOOK_ENTITY="bench")
    drivers = [subprocess.Popen([str(bin_dir / "ingest_driver"), "--server", server,
                                 "--steps", str(steps), "--metrics", str(metrics),
                                 "--project", PROJECT, "--start-at", str(start_at)],
                                stdout=subprocess.PIPE, text=True, env=environment)
               for _ in range(runs)]
    server_cpu_before = cpu_seconds(process.popen.pid)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    results = []
    for driver in drivers:
        output, _ = driver.communicate(timeout=3600)
        if driver.returncode != 0:
            raise SystemExit(f"ingest_driver failed ({driver.returncode}):\n{output}")
        results.append(json.loads(output.strip().splitlines()[-1]))
    if min(result["start_ns"] for result in results) < start_at:
        raise SystemExit("a driver started before the agreed instant")
    late = max(result["start_ns"] for result in results) - start_at
    if late > 100_000_000 and check_start:
        raise SystemExit(f"a driver started {late / 1e6:.0f} ms late: Init took too long; "
                         "rerun")
    server_cpu = cpu_seconds(process.popen.pid) - server_cpu_before
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sdk_cpu = (children.ru_utime + children.ru_stime - children_before.ru_utime -
               children_before.ru_stime)
    for result in results:
        check_stored(server, "bench", result["run_id"], steps, metrics)
    rss, peak_rss = resident_megabytes(process.popen.pid)
    seconds = (max(result["finished_ns"] for result in results) - start_at) / 1e9
    points = sum(result["points"] for result in results)
    log_seconds = max(result["logged_ns"] - result["start_ns"] for result in results) / 1e9
    return {"runs": runs, "points": points, "seconds": seconds, "points_per_second": points / seconds,
            "slowest_log_loop_seconds": log_seconds,
            "server_cpu_us_per_point": server_cpu / points * 1e6,
            "sdk_cpu_us_per_point": sdk_cpu / points * 1e6, "server_rss_mib": rss,
            "server_peak_rss_mib": peak_rss}


def rss_sequence(bin_dir, work, count, steps, metrics):
    """One server; its memory when idle after start, then after each of `count` runs ingested one
    after another (one driver each, STEPS x METRICS points)."""
    process, server = start_server(bin_dir, work, "rss")
    try:
        time.sleep(1)  # the measure is of a server at rest: let start-up settle
        samples = [dict(memory_mib(process.popen.pid), after="idle, started")]
        for index in range(count):
            result = drive(bin_dir, work, process, server, 1, steps, metrics, "rss",
                           check_start=False)
            samples.append(dict(memory_mib(process.popen.pid), after=f"run {index + 1}",
                                points_per_second=result["points_per_second"]))
        return samples
    finally:
        process.stop()


def reference(bin_dir, work, steps, metrics):
    database = work / "reference.sqlite"
    output = subprocess.run([str(bin_dir / "ingest_driver"), "--reference", "--database",
                             str(database), "--steps", str(steps), "--metrics", str(metrics)],
                            capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    seconds = (result["finished_ns"] - result["start_ns"]) / 1e9
    return {"points": result["points"], "seconds": seconds,
            "points_per_second": result["points"] / seconds}


def print_rss_sequence(bin_dir, arguments):
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        load_before = os.getloadavg()[0]
        samples = rss_sequence(bin_dir, work, arguments.rss_runs, arguments.steps,
                               arguments.metrics)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"samples": samples, "load_average": [load_before, load_after]}, indent=1))
    print()
    print(f"Server memory, {arguments.rss_runs} runs of {arguments.steps * arguments.metrics:,} "
          f"points ingested one after another into one server (MiB; VmHWM is the peak so far):")
    print()
    print("| after | VmRSS | VmHWM | RssAnon | RssFile | run points/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for sample in samples:
        rate = f"{sample['points_per_second']:,.0f}" if "points_per_second" in sample else ""
        print(f"| {sample['after']} | {sample['VmRSS']:.1f} | {sample['VmHWM']:.1f} | "
              f"{sample['RssAnon']:.1f} | {sample['RssFile']:.1f} | {rate} |")
    print(f"| load average (1 min) before / after | {load_before:.2f} / {load_after:.2f} | | | | |")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--metrics", type=int, default=5)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--concurrent-steps", type=int, default=None,
                        help="steps per run in the concurrent case (default: --steps)")
    parser.add_argument("--skip-concurrent", action="store_true")
    parser.add_argument("--rss-runs", type=int, default=0,
                        help="instead of the rates: the server's memory when idle and after each "
                             "of RSS_RUNS runs of STEPS x METRICS points ingested one after another")
    arguments = parser.parse_args()
    bin_dir = arguments.build_dir.resolve() / "bin"
    concurrent_steps = arguments.concurrent_steps or arguments.steps
    if arguments.rss_runs > 0:
        return print_rss_sequence(bin_dir, arguments)

    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        load_before = os.getloadavg()[0]
        one = ingest(bin_dir, work, 1, arguments.steps, arguments.metrics, "one")
        ceiling = reference(bin_dir, work, arguments.steps, arguments.metrics)
        many = None
        if not arguments.skip_concurrent:
            many = ingest(bin_dir, work, arguments.runs, concurrent_steps, arguments.metrics,
                          "many")
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(json.dumps({"one_run": one, "reference": ceiling, "concurrent": many,
                      "load_average": [load_before, load_after]}, indent=1))
    print()
    print("| measure | result | target |")
    print("| --- | ---: | --- |")
    print(f"| runhook, 1 run: {one['points']:,} points ({arguments.steps:,} steps x "
          f"{arguments.metrics} metrics), first Log to Finish returned | "
          f"{one['points_per_second']:,.0f} points/s ({one['seconds']:.2f} s) | >= 1,000,000 |")
    print(f"| reference: SQLite, one row per point, one transaction | "
          f"{ceiling['points_per_second']:,.0f} points/s ({ceiling['seconds']:.2f} s) | |")
    print(f"| runhook / reference | {one['points_per_second'] / ceiling['points_per_second']:.2f} "
          f"| >= 1.00 |")
    if many:
        print(f"| runhook, {many['runs']} runs at once: {many['points']:,} points | "
              f"{many['points_per_second']:,.0f} points/s total ({many['seconds']:.2f} s) | |")
        print(f"| {many['runs']} runs total / 1 run | "
              f"{many['points_per_second'] / one['points_per_second']:.2f} | >= 0.80 |")
    print(f"| CPU per point, 1 run: server / SDK process | {one['server_cpu_us_per_point']:.2f} us / "
          f"{one['sdk_cpu_us_per_point']:.2f} us | |")
    print(f"| server RSS after the 1-run case (peak) | {one['server_rss_mib']:.0f} MiB "
          f"({one['server_peak_rss_mib']:.0f} MiB) | |")
    print(f"| load average (1 min) before / after | {load_before:.2f} / {load_after:.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
