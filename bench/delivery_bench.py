#!/usr/bin/python3
"""Delivery benchmark: real processes on this machine, reported as one table.

  /usr/bin/python3 bench/delivery_bench.py BUILD_DIR [--deliveries 20000] [--latency-runs 500]

Starts BUILD_DIR/bin/delivery_receiver (a fast local receiver) and `BUILD_DIR/bin/runhook server`
on a fresh SQLite store in a temporary directory, then measures, in this order:

(a) deliveries per second: RUNS runs are created, each with HOOKS hooks on `finished` that POST
    to the receiver (nothing is sent yet), then finished by 4 concurrent clients; the rate is
    (N - 1) / (last receipt - first receipt) on the receiver's clock. The time the finishes took
    (the enqueueing) is reported beside it, and so is the CPU time (user + system, from
    /proc/PID/task/*/stat) of each server thread, summed by thread name ("rh-sender",
    "rh-claimer", "rh-recorder", "rh-http", ...), and of the receiver, from the first finish to
    the last receipt.
(b) wrk's requests per second against the same receiver with a body of the same size, for the
    dispatcher's 8 connections per destination and for 64 connections (the ceiling).
(c) Finish-to-webhook latency: BUILD_DIR/bin/finish_latency runs RUNS runs one after another
    through the C++ SDK; latency = receipt time - time Finish() returned, on CLOCK_MONOTONIC.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# The end-to-end tests' helpers for started processes and deadline waits, shared, not copied.
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))
from conftest import Process, wait_for  # noqa: E402
HOOK_BODY = ('{"event": "wandb_run_finished", "run_id": "{{ run.id }}", '
             '"project": "{{ run.project.name }}", "hook": "{{ hook.name }}", '
             '"run_url": "{{ run.url }}"}')


def http(method, url, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def thread_cpu_seconds(pid):
    """{thread name: (user, system) CPU seconds} of process `pid`'s threads, summed by name."""
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    by_name = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # Fields 14 and 15 of proc(5) (utime, stime); `fields` starts at field 3 (state).
        user, system = by_name.get(name, (0, 0))
        by_name[name] = (user + int(fields[11]) / ticks_per_second,
                         system + int(fields[12]) / ticks_per_second)
    return by_name


def cpu_during(before, after):
    """{thread name: [user seconds, system seconds]} spent between two thread_cpu_seconds."""
    spent = {}
    for name in sorted(after):
        # A thread that ended inside the window takes its CPU with it: never below zero.
        user, system = (max(0.0, after[name][index] - before.get(name, (0, 0))[index])
                        for index in (0, 1))
        if user + system > 0:
            spent[name] = [round(user, 2), round(system, 2)]
    return spent


def measure_deliveries(server, receiver, deliveries, hooks_per_run, server_pid, receiver_pid):
    runs = deliveries // hooks_per_run
    hooks = [{"name": f"hook-{number}", "run_state": ["finished"], "url": receiver + "/deliver",
              "body": HOOK_BODY} for number in range(hooks_per_run)]
    run_paths = []
    for index in range(runs):
        status, answer = http("POST", server + "/api/v1/runs",
                              {"entity": "bench", "project": "throughput", "hooks": hooks})
        assert status == 201, answer
        run_paths.append(f"/api/v1/runs/bench/throughput/{answer['run']['id']}")
    http("GET", receiver + "/reset")
    total = runs * hooks_per_run
    server_cpu_before = thread_cpu_seconds(server_pid)
    receiver_cpu_before = thread_cpu_seconds(receiver_pid)
    started = time.monotonic_ns()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda path: http("POST", server + path + "/finish", {"exit_code": 0}),
                      run_paths))
    enqueued = time.monotonic_ns()
    stats = wait_for(lambda: (lambda s: s if s["count"] >= total else None)(
        http("GET", receiver + "/stats")[1]), 300, what=f"{total} deliveries at the receiver")
    # CPU from the first finish to the last receipt (the recorder may still be recording).
    received = time.monotonic_ns()
    server_cpu = cpu_during(server_cpu_before, thread_cpu_seconds(server_pid))
    receiver_threads = cpu_during(receiver_cpu_before, thread_cpu_seconds(receiver_pid))
    receiver_cpu = [sum(times[i] for times in receiver_threads.values()) for i in (0, 1)]
    seconds = (stats["last_ns"] - stats["first_ns"]) / 1e9

    # Only a delivery the store also recorded as delivered counts: wait for every one of them.
    def recorded_delivered():
        count = 0
        for path in run_paths:
            run_id = path.rsplit("/", 1)[1]
            count += len(http("GET", server + "/api/v1/deliveries?entity=bench&project=throughput"
                              f"&run={run_id}&state=delivered&limit=1000")[1]["deliveries"])
        return count if count >= total else None

    delivered_in_store = wait_for(recorded_delivered, 60,
                                  what=f"{total} deliveries recorded as delivered in the store")
    status, pending = http("GET", server + "/api/v1/deliveries?project=throughput&state=pending"
                           "&limit=1")
    return {
        "deliveries": total,
        "received": stats["count"],
        "recorded_delivered": delivered_in_store,
        "pending_after": len(pending["deliveries"]),
        "seconds": seconds,
        "per_second": (total - 1) / seconds,
        "enqueue_seconds": (enqueued - started) / 1e9,
        "first_receipt_after_start_ms": (stats["first_ns"] - started) / 1e6,
        "cpu_window_seconds": (received - started) / 1e9,
        "server_cpu_seconds_by_thread": server_cpu,
        "receiver_cpu_seconds": [round(seconds, 2) for seconds in receiver_cpu],
    }


def measure_wrk(receiver, connections, seconds, body):
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text((BENCH_DIR / "delivery_wrk.lua").read_text().replace("BODY", body))
    http("GET", receiver + "/reset")
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
                             receiver + "/wrk"], capture_output=True, text=True, check=True).stdout
    script.unlink()
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if not match:
        raise SystemExit(f"no Requests/sec in wrk's output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", output)
    return float(match.group(1)), errors.group(0) if errors else ""


def measure_latency(bin_dir, server, receiver, runs, work):
    http("GET", receiver + "/reset")
    output = subprocess.run([str(bin_dir / "finish_latency"), "--server", server, "--receiver",
                             receiver, "--runs", str(runs)], capture_output=True, text=True,
                            check=True, env=dict(os.environ, RUNHOOK_DIR=str(work / "sdk"))).stdout
    finished = dict(line.split() for line in output.splitlines() if line.strip())

    def all_received():
        receipts = http("GET", receiver + "/receipts")[1]["receipts"]
        return receipts if len(receipts) >= len(finished) else None

    receipts = wait_for(all_received, 60, what=f"{len(finished)} latency webhooks")
    latencies = sorted((ns - int(finished[run_id])) / 1e6 for run_id, ns in receipts)
    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
    return {"runs": len(latencies), "p50_ms": percentile(50), "p99_ms": percentile(99),
            "min_ms": latencies[0], "max_ms": latencies[-1],
            "before_finish_returned": sum(1 for value in latencies if value < 0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--deliveries", type=int, default=20000)
    parser.add_argument("--hooks-per-run", type=int, default=200)
    parser.add_argument("--latency-runs", type=int, default=500)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    arguments = parser.parse_args()
    bin_dir = arguments.build_dir.resolve() / "bin"
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    work = Path(tempfile.mkdtemp(prefix="delivery-bench-"))
    receiver_process = Process([str(bin_dir / "delivery_receiver")], work / "receiver.log")
    server_process = Process([str(bin_dir / "runhook"), "server", "--host", "127.0.0.1",
                              "--port", "0", "--data", str(work / "data")], work / "server.log")
    try:
        receiver, server = receiver_process.wait_for_url(), server_process.wait_for_url()
        load_before = os.getloadavg()[0]
        delivered = measure_deliveries(server, receiver, arguments.deliveries,
                                       arguments.hooks_per_run, server_process.popen.pid,
                                       receiver_process.popen.pid)
        # A body like the ones just delivered (same template, a run id and URL of the same size).
        body = (HOOK_BODY.replace("{{ run.id }}", "abcd1234").replace("{{ run.project.name }}",
                                                                      "throughput")
                .replace("{{ hook.name }}", "hook-123")
                .replace("{{ run.url }}", server + "/bench/throughput/runs/abcd1234"))
        wrk8, wrk8_errors = measure_wrk(receiver, 8, arguments.wrk_seconds, body)
        wrk64, wrk64_errors = measure_wrk(receiver, 64, arguments.wrk_seconds, body)
        latency = measure_latency(bin_dir, server, receiver, arguments.latency_runs, work)
        load_after = os.getloadavg()[0]
    finally:
        server_process.stop()
        receiver_process.stop()
    ceiling = max(wrk8, wrk64)
    print(json.dumps({"delivered": delivered, "wrk_8_connections": wrk8,
                      "wrk_64_connections": wrk64, "wrk_errors": [wrk8_errors, wrk64_errors],
                      "latency": latency, "load_average": [load_before, load_after]}, indent=1))
    print()
    print("| measure | result | target |")
    print("| --- | ---: | --- |")
    print(f"| deliveries/s ({delivered['deliveries']:,} deliveries, "
          f"{delivered['seconds']:.2f} s first to last receipt) | "
          f"{delivered['per_second']:,.0f} | >= 10,000 |")
    print(f"| enqueueing them (finishes of {arguments.deliveries // arguments.hooks_per_run} runs "
          f"x {arguments.hooks_per_run} hooks, 4 clients) | "
          f"{delivered['enqueue_seconds']:.2f} s | |")
    print(f"| wrk req/s, 8 connections (the dispatcher's per-host cap) | {wrk8:,.0f} | |")
    print(f"| wrk req/s, 64 connections | {wrk64:,.0f} | |")
    print(f"| deliveries/s as a share of wrk's best | {delivered['per_second'] / ceiling:.0%} "
          f"| >= 30% |")
    print(f"| Finish-to-webhook p50 ({latency['runs']} runs) | {latency['p50_ms']:.2f} ms "
          f"| <= 2 ms |")
    print(f"| Finish-to-webhook p99 | {latency['p99_ms']:.2f} ms | <= 10 ms |")
    window = delivered["cpu_window_seconds"]
    def cpu_cell(user, system):
        return (f"{user + system:.2f} s ({(user + system) / window:.0%} of a core; "
                f"user {user:.2f} + system {system:.2f})")
    print(f"| CPU, first finish to last receipt ({window:.2f} s): | | |")
    for name, (user, system) in delivered["server_cpu_seconds_by_thread"].items():
        print(f"| server threads '{name}' | {cpu_cell(user, system)} | |")
    print(f"| receiver | {cpu_cell(*delivered['receiver_cpu_seconds'])} | |")
    print(f"| load average (1 min) before / after | {load_before:.2f} / {load_after:.2f} | |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
