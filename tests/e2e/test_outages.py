"""Outages, offline runs and `runhook sync`, end to end: the real outage-probe program (built from
tests/sdk/outage_probe.cpp) against the real server (killed and restarted on the same port and
data directory), a real `runhook listen` receiver, and the real `runhook sync`."""
import json
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

from conftest import BIN_DIR, Process, Server, start_listener, wait_for

ENTITY = "e2e"
PROJECT = "outages"


def probe_env(tmp_path, server_url, mode="online"):
    return dict(os.environ, RUNHOOK_URL=server_url, RUNHOOK_DIR=str(tmp_path / "sdk"),
                RUNHOOK_ENTITY=ENTITY, RUNHOOK_MODE=mode)


def probe_command(listener, mode, run_id, *args):
    return [str(BIN_DIR / "outage-probe"), mode, "--hook-url", listener.url + "/hook",
            "--id", run_id, *args]


def run_directory(tmp_path, run_id):
    return tmp_path / "sdk" / "runs" / ENTITY / PROJECT / run_id


def start_server_on(tmp_path, port, name):
    """`runhook server` on a given port (0: any) with its store in tmp_path/data."""
    process = Process([str(BIN_DIR / "runhook"), "server", "--host", "127.0.0.1", "--port",
                       str(port), "--data", str(tmp_path / "data")], tmp_path / f"{name}.log")
    try:
        return Server(process, process.wait_for_url())
    except BaseException:
        process.stop()
        raise


def history_steps(server, run_id):
    status, answer = server.get(f"/api/v1/runs/{ENTITY}/{PROJECT}/{run_id}/history")
    assert status == 200, answer
    return [row["step"] for row in answer["rows"]]


def get_run(server, run_id):
    status, answer = server.get(f"/api/v1/runs/{ENTITY}/{PROJECT}/{run_id}")
    assert status == 200, answer
    return answer


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sync(server, directory):
    return subprocess.run([str(BIN_DIR / "runhook"), "sync", str(directory), "--url", server.url],
                          capture_output=True, text=True, timeout=60)


def test_a_ten_second_server_outage_loses_and_duplicates_nothing_and_log_stays_fast(tmp_path):
    server = start_server_on(tmp_path, 0, "server")
    port = int(server.url.rsplit(":", 1)[1])
    listener = start_listener(tmp_path)
    stop_file = tmp_path / "stop"
    latencies = tmp_path / "latencies.txt"
    probe = subprocess.Popen(
        probe_command(listener, "continuous", "outage1", "--stop-file", str(stop_file),
                      "--latencies", str(latencies)),
        env=probe_env(tmp_path, server.url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    restarted = None
    try:
        def stored_rows():
            status, answer = server.get(f"/api/v1/runs/{ENTITY}/{PROJECT}/outage1/history")
            return len(answer["rows"]) if status == 200 else 0  # 404 until Init registered it

        wait_for(lambda: stored_rows() >= 2000, timeout=30,
                 what="2000 rows stored before the outage")
        outage_start = time.time()
        server.process.kill()
        spool = run_directory(tmp_path, "outage1") / "spool.jsonl"
        wait_for(spool.exists, timeout=5, what="the SDK to spool while the server is down")
        # The outage itself: the "stopped for 10 s".
        time.sleep(max(0.0, 10 - (time.time() - outage_start)))
        outage_end = time.time()
        restarted = start_server_on(tmp_path, port, "server-restarted")
        assert restarted.url == server.url
        wait_for(lambda: not spool.exists(), timeout=30,
                 what="the SDK to deliver its spool and remove it")
        stop_file.write_text("")
        output, _ = probe.communicate(timeout=60)
        assert probe.returncode == 0, output
        logged = int(re.search(r"logged (\d+) steps", output).group(1))
        assert "could not confirm" not in output, output

        steps = history_steps(restarted, "outage1")
        assert steps == list(range(logged)), "every step exactly once, in order"
        run = get_run(restarted, "outage1")["run"]
        assert run["state"] == "finished" and run["exit_code"] == 0
        [request] = listener.wait_for_requests(1)
        assert "event=finished" in request["body"]

        samples = [tuple(map(int, line.split())) for line in latencies.read_text().splitlines()]
        before = [d for at, d in samples if at < outage_start * 1e9]
        during = [d for at, d in samples if outage_start * 1e9 <= at < outage_end * 1e9]
        assert len(before) > 1000 and len(during) > 1000, (len(before), len(during))
        figures = {name: {"p50_us": percentile(values, 0.5) / 1e3,
                          "p99_us": percentile(values, 0.99) / 1e3,
                          "max_us": max(values) / 1e3, "count": len(values)}
                   for name, values in (("before", before), ("during", during))}
        print("Log() latency:", json.dumps(figures))
        # The normal range is the same probe's own latency before the outage; a generous factor
        # keeps a loaded machine from failing the test, while a Log that waited on the network or
        # the disk (milliseconds to seconds) would still be far outside it.
        assert figures["during"]["p50_us"] <= 5 * figures["before"]["p50_us"] + 1, figures
        assert figures["during"]["p99_us"] <= 10 * figures["before"]["p99_us"] + 5, figures
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
        for process in (server.process, listener.process):
            process.stop()
        if restarted:
            restarted.process.stop()


def comparable(run):
    """The parts of RUN_JSON that an offline run synced later shares with the same run logged
    online (not its id, name, times, host or URL)."""
    return {key: run[key] for key in ("project", "entity", "job_type", "tags", "config", "summary",
                                      "state", "exit_code", "failure_reason", "last_step")}


def test_an_offline_run_synced_later_is_stored_as_the_same_run_logged_online(tmp_path, server,
                                                                             listener):
    online = subprocess.run(probe_command(listener, "script", "online1", "--exit-code", "3"),
                            env=probe_env(tmp_path, server.url), capture_output=True, text=True,
                            timeout=60)
    assert online.returncode == 3, online.stdout + online.stderr
    listener.wait_for_requests(2)  # alert and failed

    offline = subprocess.run(probe_command(listener, "script", "offline1", "--exit-code", "3"),
                             env=probe_env(tmp_path, server.url, mode="offline"),
                             capture_output=True, text=True, timeout=60)
    assert offline.returncode == 3, offline.stdout + offline.stderr
    directory = run_directory(tmp_path, "offline1")
    assert f"is recorded in {directory}; upload it with `runhook sync {directory}`" \
        in offline.stdout, offline.stdout
    assert server.get(f"/api/v1/runs/{ENTITY}/{PROJECT}/offline1")[0] == 404
    assert len(listener.requests()) == 2, "an offline run contacts no server"
    # Config and summary answer locally in every mode.
    assert local_answers(offline.stdout) == local_answers(online.stdout)

    first = sync(server, directory)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "synced run e2e/outages/offline1" in first.stdout, first.stdout
    requests = listener.wait_for_requests(4)
    offline_bodies = sorted(r["body"] for r in requests if "run=offline1" in r["body"])
    online_bodies = sorted(r["body"] for r in requests if "run=online1" in r["body"])
    assert offline_bodies == [body.replace("online1", "offline1") for body in online_bodies]

    online_run = get_run(server, "online1")
    offline_run = get_run(server, "offline1")
    assert comparable(offline_run["run"]) == comparable(online_run["run"])
    assert offline_run["run"]["failure_reason"] == "exit_code"
    assert [hook["name"] for hook in offline_run["hooks"]] == \
        [hook["name"] for hook in online_run["hooks"]]
    assert history_rows(server, "offline1") == history_rows(server, "online1")

    second = sync(server, directory)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already synced" in second.stdout, second.stdout
    assert get_run(server, "offline1")["run"] == offline_run["run"]
    assert history_rows(server, "offline1") == history_rows(server, "online1")
    status, deliveries = server.get("/api/v1/deliveries?run=offline1")
    assert status == 200 and len(deliveries["deliveries"]) == 2, deliveries
    assert len(listener.requests()) == 4


def local_answers(stdout):
    return [line for line in stdout.splitlines() if line.startswith(("config=", "summary="))]


def history_rows(server, run_id):
    status, answer = server.get(f"/api/v1/runs/{ENTITY}/{PROJECT}/{run_id}/history")
    assert status == 200, answer
    return answer["rows"]


def test_disabled_mode_contacts_no_server_and_records_nothing(tmp_path, listener):
    # RUNHOOK_URL points at the receiver, which records any request that reaches it.
    result = subprocess.run(probe_command(listener, "script", "disabled1", "--steps", "5000"),
                            env=probe_env(tmp_path, listener.url, mode="disabled"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith('config={"learning_rate":0.01'), result.stdout
    assert '"step_value":4999' in result.stdout, "Summary answers locally"
    assert "runhook:" not in result.stdout + result.stderr, "no line printed"
    assert listener.requests() == []
    assert not (tmp_path / "sdk").exists(), "nothing recorded on disk"


def test_sync_names_what_is_missing(tmp_path):
    result = subprocess.run([str(BIN_DIR / "runhook"), "sync", str(tmp_path / "nothing")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot read the spool {tmp_path / 'nothing'}/spool.jsonl" in result.stderr, \
        result.stderr
