"""The embedded default: with RUNHOOK_URL unset and no server at the default local address,
Init starts a local server (detached, store under the data directory) and says so; processes
starting at once share it; `runhook server stop` stops it.

The default port is taken from RUNHOOK_LOCAL_PORT (a free port per test), so these tests can run
beside others and on a machine where 5717 is busy. The training processes are the real
lifecycle-probe (tests/sdk/lifecycle_probe.cpp); it finds bin/runhook next to itself."""
import json
import os
import re
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN_DIR, wait_for

STARTED = re.compile(r"runhook: started a local server at (http://127\.0\.0\.1:\d+) \(pid (\d+), "
                     r"data (\S+), log (\S+)\); stop it with `runhook server stop --data (\S+)`")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_state(pid):
    """The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or None when there is no such
    process. A zombie ('Z') has exited; nobody may reap it in a container."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat[stat.rindex(")") + 2]


def is_running(pid):
    return process_state(pid) not in (None, "Z")


def server_processes(data_dir):
    """Pids of `runhook server ... --data DATA_DIR` processes that are running."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (len(argv) > 1 and argv[0].endswith(b"/runhook") and argv[1] == b"server"
                and str(data_dir).encode() in argv and is_running(int(entry.name))):
            pids.append(int(entry.name))
    return pids


def healthy(url):
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class LocalSetup:
    """An environment with nothing configured: RUNHOOK_URL unset, HOME, XDG_DATA_HOME and
    RUNHOOK_DIR in tmp_path, the default local port free."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp_path / "data"
        self.env = {name: value for name, value in os.environ.items()
                    if not name.startswith("RUNHOOK_")}
        self.env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"),
                        RUNHOOK_DIR=str(self.data_dir), RUNHOOK_LOCAL_PORT=str(self.port),
                        RUNHOOK_ENTITY="auto")
        self.started_pids = set()

    def runhook(self, *args):
        return subprocess.run([str(BIN_DIR / "runhook"), *args], env=self.env,
                              capture_output=True, text=True, timeout=60)

    def kill_leftovers(self):
        """SIGKILLs every server this test started that still runs (a failed test's)."""
        pids = set(self.started_pids) | set(server_processes(self.data_dir))
        record = self.data_dir / "server.pid"
        if record.exists():
            pids.add(int(record.read_text().split()[0]))
        for pid in pids:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def local(tmp_path):
    setup = LocalSetup(tmp_path)
    try:
        yield setup
    finally:
        setup.kill_leftovers()


def start_probe(local, listener, *args):
    return subprocess.Popen([str(BIN_DIR / "lifecycle-probe"), "log", "--hook-url",
                             listener.url + "/hook", *args], env=local.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_id_of(stdout):
    match = re.search(r"runhook: run \S+ \((\w+)\) at ", stdout)
    assert match, f"no run line in:\n{stdout}"
    return match.group(1)


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_two_processes_starting_at_once_share_one_auto_started_server(local, listener):
    assert not healthy(local.url)
    probes = [start_probe(local, listener), start_probe(local, listener)]
    outputs = [probe.communicate(timeout=90) for probe in probes]
    for probe, (stdout, stderr) in zip(probes, outputs):
        assert probe.returncode == 0, stdout + stderr
    started = [match for stdout, _ in outputs for match in [STARTED.search(stdout)] if match]
    for match in started:
        local.started_pids.add(int(match.group(2)))
    assert len(started) == 1, [stdout for stdout, _ in outputs]
    url, pid, data_dir, log, stop_data = started[0].groups()
    pid = int(pid)
    assert url == local.url
    assert Path(data_dir) == local.data_dir and Path(stop_data) == local.data_dir
    assert Path(log) == local.data_dir / "server.log"
    assert "runhook server listening on " + local.url in Path(log).read_text()

    # One server, detached: it outlived both training processes, and it is the one recorded.
    assert server_processes(local.data_dir) == [pid]
    assert (local.data_dir / "server.pid").read_text() == f"{pid}\n{local.url}\n"
    assert (local.data_dir / "runhook.db").exists()
    assert os.getsid(pid) != os.getsid(0)  # a session of its own (it leads none: double fork)

    # Both runs are stored and both hooks arrived.
    run_ids = sorted(run_id_of(stdout) for stdout, _ in outputs)
    assert len(set(run_ids)) == 2
    runs = get_json(f"{local.url}/api/v1/runs?entity=auto&project=lifecycle")["runs"]
    assert sorted((run["id"], run["state"]) for run in runs) == [
        (run_id, "finished") for run_id in run_ids]
    requests = listener.wait_for_requests(2)
    assert sorted(re.search(r"run=(\w+)", request["body"]).group(1)
                  for request in requests) == run_ids

    # A second server on the same data directory refuses to start, naming the first.
    second = local.runhook("server", "--port", "0", "--data", str(local.data_dir))
    assert second.returncode == 1
    assert (f"another runhook server (pid {pid}, {local.url}) is using the data directory "
            f"{local.data_dir}" in second.stderr), second.stderr

    status = local.runhook("server", "status")
    assert status.returncode == 0, status.stderr
    assert f"running at {local.url} (pid {pid}" in status.stdout and "healthy" in status.stdout

    stop = local.runhook("server", "stop")
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert f"stopped the server at {local.url} (pid {pid}" in stop.stdout
    assert not is_running(pid)
    assert not (local.data_dir / "server.pid").exists()
    assert not healthy(local.url)
    assert "runhook server: stopped" in Path(log).read_text()  # a clean SIGTERM shutdown

    assert local.runhook("server", "status").returncode == 3
    again = local.runhook("server", "stop")
    assert again.returncode == 0 and "no server is running" in again.stdout


def test_a_server_already_answering_is_used_and_nothing_is_started(local, listener, tmp_path):
    server = subprocess.Popen([str(BIN_DIR / "runhook"), "server", "--port", str(local.port),
                               "--data", str(tmp_path / "own")], env=local.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local.started_pids.add(server.pid)
    try:
        wait_for(lambda: healthy(local.url), what=f"a server at {local.url}")
        probe = start_probe(local, listener)
        stdout, stderr = probe.communicate(timeout=60)
        assert probe.returncode == 0, stdout + stderr
        assert "started a local server" not in stdout
        assert run_id_of(stdout)
        assert not (local.data_dir / "server.pid").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_missing_server_binary_is_an_error_naming_the_variable(local, listener, tmp_path):
    local.env["RUNHOOK_SERVER_BIN"] = str(tmp_path / "no-such-runhook")
    probe = start_probe(local, listener)
    stdout, stderr = probe.communicate(timeout=60)
    assert probe.returncode == 2
    assert (f"RUNHOOK_SERVER_BIN '{tmp_path / 'no-such-runhook'}' is not an executable file"
            in stderr), stderr
