"""How a C++ training process ends its run, end to end: the real lifecycle-probe program (built
from tests/sdk/lifecycle_probe.cpp) against the real server and a real `runhook listen` receiver.
The probe's hook body is plain text: "event=failed run=ID state=failed exit_code=1 reason=...
error_type=... error_message=..."."""
import contextlib
import os
import re
import signal
import subprocess
import time


from conftest import BIN_DIR, start_server, wait_for

FIELD = re.compile(r"(\w+)=(.*?)(?= \w+=|$)")


def probe_command(listener, mode, *args):
    return [str(BIN_DIR / "lifecycle-probe"), mode, "--hook-url", listener.url + "/hook", *args]


def run_probe(server, listener, mode, *args, timeout=60):
    env = dict(os.environ, RUNHOOK_URL=server.url)
    return subprocess.run(probe_command(listener, mode, *args), env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_id_of(stdout):
    match = re.search(r"runhook: run \S+ \((\w+)\) at ", stdout)
    assert match, f"no run line in:\n{stdout}"
    return match.group(1)


@contextlib.contextmanager
def training_probe(server, listener, output_path):
    """Starts the probe in its "sigterm" mode (it trains until signalled) against `server`,
    waits until it trains, and yields (process, output_path); the process is always reaped."""
    env = dict(os.environ, RUNHOOK_URL=server.url)
    with open(output_path, "w+") as out:
        process = subprocess.Popen(probe_command(listener, "sigterm"), env=env, stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(lambda: "training" in output_path.read_text(),
                     what="the probe to start training")
            yield process, output_path
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def history_path_of(output, run_id):
    """The API path of the run's history, from the run URL the probe printed."""
    path = re.search(r" at \S+/([^/]+)/([^/]+)/runs/(\w+)", output)
    return f"/api/v1/runs/{path.group(1)}/{path.group(2)}/{run_id}/history"


def fields(body):
    return dict(FIELD.findall(body))


def delivered_events(server, run_id):
    status, answer = server.get(f"/api/v1/deliveries?run={run_id}")
    assert status == 200, answer
    return sorted(delivery["event"] for delivery in answer["deliveries"])


def the_end_delivery(server, listener, run_id):
    """The one request the listener received for this run, parsed; checks that the server
    created exactly one delivery for it."""
    [request] = listener.wait_for_requests(1)
    body = fields(request["body"])
    assert body["run"] == run_id, request["body"]
    assert len(delivered_events(server, run_id)) == 1
    return body


def test_exception_unwinding_through_the_run_fails_it_with_type_and_message(server, listener):
    result = run_probe(server, listener, "throw")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "caught: loss is NaN at step 2" in result.stderr
    run_id = run_id_of(result.stdout)
    body = the_end_delivery(server, listener, run_id)
    assert body == {"event": "failed", "run": run_id, "state": "failed", "exit_code": "1",
                    "reason": "exception", "error_type": "probe::DivergedError",
                    "error_message": "loss is NaN at step 2"}


def test_uncaught_exception_fails_the_run_from_the_terminate_handler(server, listener):
    result = run_probe(server, listener, "terminate")
    assert result.returncode == -signal.SIGABRT, result.stdout + result.stderr
    run_id = run_id_of(result.stdout)
    body = the_end_delivery(server, listener, run_id)
    assert body["event"] == "failed"
    assert body["reason"] == "exception"
    assert body["error_type"] == "probe::DivergedError"
    assert body["error_message"] == "loss is NaN at step 2"


def test_returning_without_finish_finishes_the_run(server, listener):
    result = run_probe(server, listener, "no-finish")
    assert result.returncode == 0, result.stdout + result.stderr
    run_id = run_id_of(result.stdout)
    body = the_end_delivery(server, listener, run_id)
    assert body["event"] == "finished"
    assert body["exit_code"] == "0"
    assert body["reason"] == "None"  # Jinja2 prints a null failure_reason as None
    assert body["error_type"] == ""


def test_finish_with_exit_code_3_fails_the_run_with_that_code(server, listener):
    result = run_probe(server, listener, "finish3")
    assert result.returncode == 3, result.stdout + result.stderr
    run_id = run_id_of(result.stdout)
    body = the_end_delivery(server, listener, run_id)
    assert body["event"] == "failed"
    assert body["exit_code"] == "3"
    assert body["reason"] == "exit_code"


def test_sigterm_fails_the_run_as_killed_and_the_process_still_dies_by_it(server, listener, tmp_path):
    with training_probe(server, listener, tmp_path / "probe.out") as (process, output_path):
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    output = output_path.read_text()
    assert returncode == -signal.SIGTERM, output
    run_id = run_id_of(output)
    body = the_end_delivery(server, listener, run_id)
    assert body["event"] == "failed"
    assert body["reason"] == "killed"
    assert body["exit_code"] == str(128 + signal.SIGTERM)
    assert body["error_type"] == "SIGTERM"
    # The rows logged before the signal were flushed before the final state was recorded.
    status, history = server.get(history_path_of(output, run_id))
    assert status == 200, history
    assert len(history["rows"]) >= 5


def test_sigkill_is_detected_as_crashed_within_the_heartbeat_timeout_and_keeps_acked_points(
        tmp_path, listener):
    heartbeat_timeout = 2.0
    server = start_server(tmp_path, "--heartbeat-timeout", f"{heartbeat_timeout:g}s",
                          name="crash-server")
    try:
        with training_probe(server, listener, tmp_path / "probe.out") as (process, output_path):
            output = output_path.read_text()
            run_id = run_id_of(output)
            history_path = history_path_of(output, run_id)
            # Rows the server acknowledged (stored) while the process was alive.
            acknowledged = wait_for(
                lambda: (lambda rows: rows if len(rows) >= 3 else None)(
                    server.get(history_path)[1]["rows"]), what="acknowledged rows")
            process.kill()  # SIGKILL: no handler runs, nothing more is sent
            process.wait(timeout=30)
            killed_at = time.monotonic()
        assert process.returncode == -signal.SIGKILL
        [request] = listener.wait_for_requests(1, timeout=heartbeat_timeout + 5 + 5)
        assert time.monotonic() - killed_at <= heartbeat_timeout + 5, "crash noticed too late"
        body = fields(request["body"])
        assert (body["run"], body["event"], body["reason"]) == (run_id, "failed", "crashed")
        status, history = server.get(history_path)
        assert status == 200, history
        stored = {row["step"]: row for row in history["rows"]}
        for row in acknowledged:  # every acknowledged point is kept, unchanged
            assert stored.get(row["step"]) == row
        assert sorted(stored) == list(range(len(stored)))  # no gap: no batch lost in between
    finally:
        server.process.stop()


def test_fatal_signal_is_reported_as_crashed_and_the_process_dies_by_it(server, listener):
    result = run_probe(server, listener, "segv")
    assert result.returncode == -signal.SIGSEGV, result.stdout + result.stderr
    run_id = run_id_of(result.stdout)
    body = the_end_delivery(server, listener, run_id)
    assert body["event"] == "failed"
    assert body["reason"] == "crashed"
    assert body["error_type"] == "SIGSEGV"


# --- Resume and alerts (docs/api.md).

def history_steps(server, entity, run_id):
    status, history = server.get(f"/api/v1/runs/{entity}/lifecycle/{run_id}/history")
    assert status == 200, history
    return [row["step"] for row in history["rows"]]


def test_resume_allow_continues_the_steps_and_finishes_again(server, listener):
    first = run_probe(server, listener, "log", "--id", "resume01", "--steps", "3")
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_probe(server, listener, "log", "--id", "resume01", "--resume", "allow",
                       "--steps", "3")
    assert second.returncode == 0, second.stdout + second.stderr
    listener.wait_for_requests(2)
    assert delivered_events(server, "resume01") == ["finished", "finished"]
    bodies = [fields(request["body"]) for request in listener.requests()]
    assert [body["event"] for body in bodies] == ["finished", "finished"]
    entity = re.search(r" at \S+/([^/]+)/lifecycle/runs/", second.stdout).group(1)
    assert history_steps(server, entity, "resume01") == [0, 1, 2, 3, 4, 5]
    status, run = server.get(f"/api/v1/runs/{entity}/lifecycle/resume01")
    assert run["run"]["resumed_count"] == 1


def test_resume_never_on_an_existing_run_names_the_run(server, listener):
    first = run_probe(server, listener, "log", "--id", "resume02", "--steps", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_probe(server, listener, "log", "--id", "resume02", "--resume", "never")
    assert second.returncode == 2, second.stdout + second.stderr
    assert "resume02" in second.stderr and "already exists" in second.stderr, second.stderr


def test_resume_must_on_an_unknown_run_names_the_run_and_the_mode(server, listener):
    result = run_probe(server, listener, "log", "--id", "resume03", "--resume", "must")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "resume03" in result.stderr and 'resume="must"' in result.stderr, result.stderr


def test_alert_reaches_alert_hooks_with_title_text_and_level(server, listener):
    result = run_probe(server, listener, "alert")
    assert result.returncode == 0, result.stdout + result.stderr
    run_id = run_id_of(result.stdout)
    requests = listener.wait_for_requests(2)
    bodies = {fields(request["body"])["event"]: request["body"] for request in requests}
    assert set(bodies) == {"alert", "finished"}
    assert bodies["alert"] == (f"event=alert run={run_id} title=loss diverged level=WARN "
                               "text=at step 2")
