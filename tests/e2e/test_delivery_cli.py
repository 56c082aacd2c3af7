"""The operator CLI end to end: the real `runhook` binary's secrets, deliveries, redeliver and
hooks verbs against a real server and a real `runhook listen` receiver, and a planted secret
that must appear nowhere the system shows it (only at the receiver, which is owed it)."""
import base64
import json
import os
import subprocess
import uuid

from conftest import BIN_DIR, run_seed_train, start_listener, wait_for


def cli(server, *args, stdin=None, check=True):
    """Runs `runhook ARGS --server URL`; returns the CompletedProcess."""
    result = subprocess.run([str(BIN_DIR / "runhook"), *args, "--server", server.url],
                            input=stdin, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, f"runhook {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result


def create_run(server, hooks, entity="alice", project="ops"):
    status, answer = server.post("/api/v1/runs",
                                 {"entity": entity, "project": project, "hooks": hooks})
    assert status == 201, answer
    run = answer["run"]
    return run, f"/api/v1/runs/{run['entity']}/{run['project']}/{run['id']}"


def finish(server, run_path):
    status, answer = server.post(run_path + "/history",
                                 {"rows": [{"step": 0, "values": {"loss": 0.25}}]})
    assert status == 200, answer
    status, answer = server.post(run_path + "/finish", {"exit_code": 0})
    assert status == 200, answer


def run_deliveries(server, run_path):
    status, answer = server.get(run_path + "/deliveries")
    assert status == 200, answer
    return answer["deliveries"]


def wait_for_delivery(server, run_path, predicate, what):
    def find():
        deliveries = run_deliveries(server, run_path)
        return deliveries[0] if len(deliveries) == 1 and predicate(deliveries[0]) else None

    return wait_for(find, what=what)


def test_secrets_verbs(server):
    value = "v-" + uuid.uuid4().hex
    assert "stored" in cli(server, "secrets", "set", "API_TOKEN", stdin=value + "\n").stdout
    generated = cli(server, "secrets", "generate", "SIGNING").stdout.strip()
    assert generated.startswith("whsec_")
    assert len(base64.b64decode(generated[len("whsec_"):])) == 32

    listed = cli(server, "secrets", "list").stdout
    assert "API_TOKEN" in listed and "SIGNING" in listed
    assert value not in listed and generated not in listed

    # The trailing newline of stdin is not part of the value: a hook using it gets exactly it.
    status, answer = server.get("/api/v1/secrets")
    assert [secret["name"] for secret in answer["secrets"]] == ["API_TOKEN", "SIGNING"]

    cli(server, "secrets", "rm", "API_TOKEN")
    assert "API_TOKEN" not in cli(server, "secrets", "list").stdout
    missing = cli(server, "secrets", "rm", "API_TOKEN", check=False)
    assert missing.returncode != 0
    assert "no secret named 'API_TOKEN'" in missing.stderr
    bad = cli(server, "secrets", "set", "bad-name", stdin="x", check=False)
    assert bad.returncode != 0 and "bad-name" in bad.stderr


def test_deliveries_redeliver_and_hooks_test(server, tmp_path):
    failing = start_listener(tmp_path, "failing", status=500)
    try:
        run, run_path = create_run(server, [
            {"name": "notify", "run_state": ["finished"], "url": failing.url + "/hook",
             "body": '{"run": "{{ run.id }}", "event": "{{ event.type }}"}', "max_attempts": 1}])
        finish(server, run_path)
        dead = wait_for_delivery(server, run_path, lambda d: d["state"] == "dead", "a dead delivery")
        delivery_id = str(dead["id"])

        table = cli(server, "deliveries", "list", "--run", run["id"], "--state", "dead").stdout
        assert table.splitlines()[0].split()[:3] == ["ID", "STATE", "EVENT"]
        assert delivery_id in table and "dead" in table and "notify" in table
        as_json = json.loads(cli(server, "deliveries", "list", "--run",
                                 f"alice/ops/{run['id']}", "--json").stdout)
        assert [d["id"] for d in as_json] == [dead["id"]]
        assert "no deliveries" in cli(server, "deliveries", "list", "--run", run["id"],
                                      "--state", "delivered").stdout

        shown = cli(server, "deliveries", "show", delivery_id).stdout
        assert dead["webhook_id"] in shown and "500" in shown and "HTTP 500" in shown

        answer = cli(server, "redeliver", delivery_id).stdout
        assert dead["webhook_id"] in answer
        again = wait_for_delivery(server, run_path,
                                  lambda d: len(d["attempts"]) == 2 and d["state"] != "pending",
                                  "the redelivered attempt")
        assert again["state"] == "dead" and again["attempts"][1]["status_code"] == 500
        requests = failing.wait_for_requests(2)
        assert [r["headers"]["webhook-id"] for r in requests] == [dead["webhook_id"]] * 2
        assert requests[0]["body"] == requests[1]["body"]

        # A test of the hook: rendered now with event "test", sent once, marked test; it fails
        # at this receiver, and the command says so with a non-zero exit.
        tested = cli(server, "hooks", "test", "--run", run["id"], "--hook", "notify", check=False)
        assert tested.returncode != 0
        assert "not delivered" in tested.stderr
        [*_, test_request] = failing.wait_for_requests(3)
        assert json.loads(test_request["body"]) == {"run": run["id"], "event": "test"}
        status, answer = server.get("/api/v1/deliveries?run=" + run["id"])
        test_deliveries = [d for d in answer["deliveries"] if d["test"]]
        assert len(test_deliveries) == 1 and test_deliveries[0]["event"] == "test"
        assert "(test)" in cli(server, "deliveries", "list", "--run", run["id"]).stdout
    finally:
        failing.process.stop()

    missing = cli(server, "deliveries", "show", "999999", check=False)
    assert missing.returncode != 0 and "delivery 999999 not found" in missing.stderr
    unknown_hook = cli(server, "hooks", "test", "--run", f"alice/ops/{run['id']}", "--hook",
                       "nope", check=False)
    assert unknown_hook.returncode != 0 and "no hook 'nope'" in unknown_hook.stderr


def test_hooks_test_delivers_to_a_healthy_receiver(server, listener):
    run, run_path = create_run(server, [
        {"name": "notify", "run_state": ["failed"], "url": listener.url + "/t",
         "body": '{"state": "{{ run.state }}", "event": "{{ event.type }}"}'}])
    result = cli(server, "hooks", "test", "--run", f"alice/ops/{run['id']}", "--hook", "notify")
    assert "state: delivered, status 200" in result.stdout
    [request] = listener.wait_for_requests(1)
    assert json.loads(request["body"]) == {"state": "created", "event": "test"}


def test_planted_secret_appears_nowhere_but_at_the_receiver(server, listener, tmp_path):
    planted = "planted-" + uuid.uuid4().hex
    outputs = {}  # what the system showed, by where it came from

    def keep(name, text):
        outputs[name] = text if isinstance(text, str) else json.dumps(text)
        return text

    def call(name, *args, **kwargs):
        result = cli(server, *args, **kwargs)
        keep(name + " stdout", result.stdout)
        keep(name + " stderr", result.stderr)
        return result

    call("secrets set", "secrets", "set", "PLANTED", stdin=planted + "\n")
    run, run_path = create_run(server, [
        {"name": "notify", "run_state": ["finished"],
         "url": listener.url + "/hook?token={{ secrets.PLANTED }}&run={{ run.id }}",
         "headers": {"Authorization": "Bearer {{ secrets.PLANTED }}"},
         "body": '{"token": "{{ secrets.PLANTED }}", "run": "{{ run.id }}"}'}])
    finish(server, run_path)

    # The receiver gets the real value in the query, the header and the body.
    [request] = listener.wait_for_requests(1)
    assert f"token={planted}" in request["query"]
    assert request["headers"]["Authorization"] == f"Bearer {planted}"
    assert json.loads(request["body"])["token"] == planted

    # A run of the SDK (seed-train) with the secret in its hook URL, also delivered.
    seed = run_seed_train(server, "--hook-url",
                          listener.url + "/seed?token={{ secrets.PLANTED }}", "--steps", "3")
    keep("seed-train stdout", seed.stdout)
    keep("seed-train stderr", seed.stderr)
    assert seed.returncode == 0, seed.stdout + seed.stderr
    seed_request = listener.wait_for_requests(2)[1]
    assert seed_request["query"] == f"token={planted}"

    delivery = wait_for_delivery(server, run_path, lambda d: d["state"] == "delivered",
                                 "the delivery")
    delivery_id = str(delivery["id"])
    assert delivery["headers"]["Authorization"] == "Bearer ***"
    assert "token=***" in delivery["url"]

    # A redelivery and a test of the same hook, through the CLI.
    call("redeliver", "redeliver", delivery_id)
    wait_for_delivery(server, run_path,
                      lambda d: len(d["attempts"]) == 2 and d["state"] == "delivered",
                      "the redelivery")
    call("hooks test", "hooks", "test", "--run", run["id"], "--hook", "notify")
    listener.wait_for_requests(4)

    for path in [run_path, run_path + "/history", run_path + "/deliveries", "/api/v1/deliveries",
                 "/api/v1/deliveries/" + delivery_id, "/api/v1/secrets", "/healthz",
                 f"/alice/ops/runs/{run['id']}"]:
        status, answer = server.get(path)
        assert status == 200, (path, answer)
        keep("GET " + path, answer)
    for verb in [("deliveries", "list"), ("deliveries", "list", "--json"),
                 ("deliveries", "list", "--run", run["id"]),
                 ("deliveries", "show", delivery_id), ("deliveries", "show", delivery_id, "--json"),
                 ("secrets", "list")]:
        call(" ".join(verb), *verb)
    keep("server log", server.process.output())

    leaks = [name for name, text in outputs.items() if planted in text]
    assert leaks == [], f"the planted secret shows in: {leaks}"
    # The masked forms are there, so the outputs above did show the requests.
    assert "Bearer ***" in outputs[f"deliveries show {delivery_id} stdout"]
    assert "token=***" in outputs[f"GET /alice/ops/runs/{run['id']}"]
