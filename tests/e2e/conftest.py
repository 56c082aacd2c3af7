"""Fixtures that start the real runhook binaries: a server on a fresh SQLite store and a
webhook listener, each on a free port, stopped when the test ends."""
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN_DIR = Path(os.environ.get("RUNHOOK_BIN_DIR", Path(__file__).resolve().parents[2] / "build/bin"))


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Polls predicate() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Process:
    """A started binary whose stdout goes to a file we can search."""

    def __init__(self, args, log_path, env=None):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.popen = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def output(self):
        return Path(self.log_path).read_text()

    def wait_for_url(self):
        def find():
            if self.popen.poll() is not None:
                raise AssertionError(f"process exited early:\n{self.output()}")
            match = re.search(r"listening on (http://[0-9.]+:[0-9]+)", self.output())
            return match.group(1) if match else None

        return wait_for(find, what=f"'listening on' in {self.log_path}")

    def kill(self):
        """SIGKILL: the process gets no chance to clean up. Waits until it is gone."""
        self.popen.kill()
        self.popen.wait()
        self.log.close()

    def stop(self):
        if self.log.closed:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()


class Server:
    def __init__(self, process, url):
        self.process = process
        self.url = url

    def request(self, method, path, body=None):
        """Returns (status, parsed JSON or text)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
            content_type = error.headers.get("Content-Type", "")
        text = raw.decode()
        return status, json.loads(text) if "json" in content_type else text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None):
        return self.request("POST", path, body if body is not None else {})


class Listener:
    def __init__(self, process, url, jsonl):
        self.process = process
        self.url = url
        self.jsonl = jsonl

    def requests(self):
        if not self.jsonl.exists():
            return []
        return [json.loads(line) for line in self.jsonl.read_text().splitlines() if line.strip()]

    def wait_for_requests(self, count, timeout=10.0):
        return wait_for(lambda: self.requests() if len(self.requests()) >= count else None,
                        timeout=timeout, what=f"{count} request(s) at the listener")


def start_server(tmp_path, *extra_args, name="server"):
    """Starts `runhook server` on a free port with its store in tmp_path/data (so a server started
    again with the same tmp_path finds the same store); its output goes to tmp_path/NAME.log."""
    process = Process([str(BIN_DIR / "runhook"), "server", "--host", "127.0.0.1", "--port", "0",
                       "--data", str(tmp_path / "data"), *extra_args], tmp_path / f"{name}.log")
    try:
        return Server(process, process.wait_for_url())
    except BaseException:
        process.stop()
        raise


@pytest.fixture
def server(tmp_path):
    started = start_server(tmp_path)
    try:
        yield started
    finally:
        started.process.stop()


def start_listener(tmp_path, name="listener", status=None):
    jsonl = tmp_path / f"{name}.jsonl"
    args = [str(BIN_DIR / "runhook"), "listen", "--host", "127.0.0.1", "--port", "0",
            "--jsonl", str(jsonl)]
    if status is not None:
        args += ["--status", str(status)]
    process = Process(args, tmp_path / f"{name}.log")
    return Listener(process, process.wait_for_url(), jsonl)


@pytest.fixture
def listener(tmp_path):
    listener = start_listener(tmp_path)
    try:
        yield listener
    finally:
        listener.process.stop()


def run_seed_train(server, *args, timeout=60):
    env = dict(os.environ, RUNHOOK_URL=server.url)
    return subprocess.run([str(BIN_DIR / "seed-train"), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
