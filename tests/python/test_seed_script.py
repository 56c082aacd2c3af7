"""The seed's script (examples/python/seed_train.py: only the import and the dataset changed)
trains on real torch and the receiver gets exactly the seed's documented body."""
import json
import textwrap

import pytest

from conftest import REPOSITORY, body_of, get_run, python_environment, run_line, run_python

SEED_URL = "https://example.com/my-webhook-receiver"


def test_seed_script_delivers_the_seed_body(server, listener, tmp_path):
    pytest.importorskip("torch", reason="install python3-torch (scripts/bootstrap.sh does)")
    import subprocess

    source = (REPOSITORY / "examples/python/seed_train.py").read_text()
    assert source.count(SEED_URL) == 1
    script = tmp_path / "seed_train.py"
    script.write_text(source.replace(SEED_URL, listener.url + "/my-webhook-receiver"))
    result = subprocess.run(["/usr/bin/python3", str(script)], env=python_environment(server),
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Epoch [3/3], Step [900/938]" in result.stdout
    _, run_id, url = run_line(result.stdout)

    [request] = listener.wait_for_requests(1)
    assert request["method"] == "POST" and request["path"] == "/my-webhook-receiver"
    assert request["body"] == (
        '{"event": "wandb_run_finished", "run_id": "%s", "project": "webhook-demo", '
        '"run_url": "%s"}' % (run_id, url))
    assert url == f"{server.url}/pytest/webhook-demo/runs/{run_id}"

    run = get_run(server, run_id, project="webhook-demo")
    assert run["state"] == "finished" and run["job_type"] == "training"
    assert run["config"] == {"learning_rate": 0.001, "epochs": 3, "batch_size": 64}
    assert run["summary"]["epoch"] == 2 and isinstance(run["summary"]["loss"], float)
    assert run["last_step"] == 3 * 938 - 1


def test_second_hook_fires_on_another_state_and_summary_renders(server, listener):
    result = run_python(server, textwrap.dedent('''
        import runhook as wandb
        run = wandb.init(project="webhook-demo", hooks=[
            wandb.hook(run_state="finished", url=%r, method="POST",
                       body='{"event": "wandb_run_finished", "run_id": "{{run.id}}", "project": "{{run.project.name}}", "run_url": "{{run.url}}"}'),
            wandb.hook(run_state="running", url=%r, body='{"state": "{{run.state}}"}'),
            wandb.hook(run_state="finished", url=%r, method="POST",
                       body='{"run_id": "{{run.id}}", "final_accuracy": {{run.summary.accuracy}}}'),
        ])
        for step in range(5):
            wandb.log({"accuracy": 0.9 + step / 100})
        wandb.log({"accuracy": 0.9712})
        wandb.finish()
    ''') % (listener.url + "/finished", listener.url + "/running", listener.url + "/accuracy"))
    assert result.returncode == 0, result.stderr
    _, run_id, url = run_line(result.stdout)
    requests = {request["path"]: request for request in listener.wait_for_requests(3)}
    assert body_of(requests["/running"]) == {"state": "running"}
    assert body_of(requests["/finished"]) == {"event": "wandb_run_finished", "run_id": run_id,
                                              "project": "webhook-demo", "run_url": url}
    assert requests["/accuracy"]["body"] == '{"run_id": "%s", "final_accuracy": 0.9712}' % run_id
    assert json.loads(requests["/accuracy"]["body"])["final_accuracy"] == 0.9712
