"""The seed's flow end to end: a real server, a real listener, the real seed-train program."""
import json
import re
import socket
import time

from conftest import run_seed_train, wait_for

SEED_BODY_KEYS = ["event", "run_id", "project", "run_url"]


def parse_run_line(stdout):
    match = re.search(r"runhook: run (\S+) \((\w+)\) at (\S+)", stdout)
    assert match, f"no run line in:\n{stdout}"
    return match.group(1), match.group(2), match.group(3)


def test_finished_hook_delivers_the_seed_body(server, listener):
    result = run_seed_train(server, "--hook-url", listener.url + "/my-webhook-receiver")
    assert result.returncode == 0, result.stdout + result.stderr
    name, run_id, url = parse_run_line(result.stdout)

    [request] = listener.wait_for_requests(1)
    assert request["method"] == "POST"
    assert request["path"] == "/my-webhook-receiver"
    body = json.loads(request["body"])
    assert list(body.keys()) == SEED_BODY_KEYS
    assert body == {"event": "wandb_run_finished", "run_id": run_id, "project": "webhook-demo",
                    "run_url": url}
    # Byte for byte the seed's template with the values filled in.
    assert request["body"] == (
        '{"event": "wandb_run_finished", "run_id": "%s", "project": "webhook-demo", '
        '"run_url": "%s"}' % (run_id, url))

    # The URL in the body opens a real page of the server showing the run.
    assert url.startswith(server.url + "/")
    status, page = server.get(url[len(server.url):])
    assert status == 200
    for text in (run_id, name, "finished"):
        assert text in page

    # The run's API shows the final state, the config and the last logged values.
    path = url[len(server.url):].replace("/runs/", "/")
    status, answer = server.get("/api/v1/runs" + path[:path.rfind("/")] + "/" + run_id)
    assert status == 200, answer
    run = answer["run"]
    assert run["state"] == "finished"
    assert run["config"] == {"learning_rate": 0.001, "epochs": 3, "batch_size": 64}
    assert isinstance(run["config"]["learning_rate"], float)
    assert isinstance(run["config"]["epochs"], int)
    assert run["summary"]["epoch"] == 2
    status, history = server.get(f"/api/v1/runs/{run['entity']}/{run['project']}/{run_id}/history")
    assert status == 200
    loss_rows = [row for row in history["rows"] if "loss" in row["values"]]
    assert len(loss_rows) == 3 * 300  # seed-train logs 300 steps per epoch by default
    assert run["summary"]["loss"] == loss_rows[-1]["values"]["loss"]
    assert run["summary"]["accuracy"] == 0.9712


def test_fail_fires_failed_hooks_and_not_finished(server, listener):
    result = run_seed_train(server, "--fail", "--hook-url", listener.url + "/recv")
    assert result.returncode != 0 or "failed" in result.stdout
    _, run_id, _ = parse_run_line(result.stdout)
    [request] = listener.wait_for_requests(1)
    body = json.loads(request["body"])
    assert body["run_id"] == run_id
    assert body.get("event") != "wandb_run_finished"
    assert "fail" in json.dumps(body)
    # No finished delivery was created for this run.
    status, answer = server.get(f"/api/v1/deliveries?run={run_id}")
    assert status == 200
    events = {delivery["event"] for delivery in answer["deliveries"]}
    assert events == {"failed"}


def test_get_hook_with_templated_url_carries_the_run_id(server, listener):
    status, answer = server.post("/api/v1/runs", {
        "entity": "alice", "project": "get-demo",
        "hooks": [{"name": "ping", "run_state": ["finished"], "method": "GET",
                   "url": listener.url + "/log_event?event=run_finished&run_id={{run.id}}"}]})
    assert status == 201, answer
    run_id = answer["run"]["id"]
    base = f"/api/v1/runs/alice/get-demo/{run_id}"
    assert server.post(base + "/start")[0] == 200
    assert server.post(base + "/finish", {"exit_code": 0})[0] == 200
    [request] = listener.wait_for_requests(1)
    assert request["method"] == "GET"
    assert request["path"] == "/log_event"
    assert f"run_id={run_id}" in request["query"]
    assert "event=run_finished" in request["query"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_receiver_down_finish_is_fast_and_refusal_is_logged(server):
    closed = f"http://127.0.0.1:{free_port()}/nobody-home"
    result = run_seed_train(server, "--hook-url", closed)
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"finish took ([0-9.]+) ms", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) < 1000
    _, run_id, _ = parse_run_line(result.stdout)

    def refused_attempt():
        status, answer = server.get(f"/api/v1/deliveries?run={run_id}")
        for delivery in answer["deliveries"]:
            for attempt in delivery["attempts"]:
                if attempt["error"] and "refused" in attempt["error"].lower():
                    return attempt
        return None

    attempt = wait_for(refused_attempt, what="a refused attempt in the log")
    assert attempt["status_code"] is None
