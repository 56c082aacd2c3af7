"""mode="offline" from Python: nothing reaches the server until `runhook sync` uploads the run."""
import re
import subprocess

from conftest import e2e, get_run, history, run_python

SCRIPT = """
import runhook
run = runhook.init(project="python-tests", id="pyoffline", mode="offline",
                   config={"learning_rate": 0.01})
for step in range(5):
    runhook.log({"loss": 1.0 / (step + 1)})
runhook.finish()
"""


def test_an_offline_run_is_recorded_locally_and_synced_later(server, tmp_path):
    result = run_python(server, SCRIPT, RUNHOOK_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"is recorded in (\S+); upload it with `runhook sync \1`", result.stdout)
    assert match, result.stdout
    assert server.get("/api/v1/runs/pytest/python-tests/pyoffline")[0] == 404

    synced = subprocess.run([str(e2e.BIN_DIR / "runhook"), "sync", match.group(1), "--url",
                             server.url], capture_output=True, text=True, timeout=60)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    run = get_run(server, "pyoffline")
    assert run["state"] == "finished"
    assert run["config"] == {"learning_rate": 0.01}
    assert [row["step"] for row in history(server, "pyoffline")] == [0, 1, 2, 3, 4]


def test_an_explicit_online_mode_wins_over_runhook_mode(server, tmp_path):
    code = SCRIPT.replace('mode="offline"', 'mode="online"').replace("pyoffline", "pyonline")
    result = run_python(server, code, RUNHOOK_DIR=str(tmp_path), RUNHOOK_MODE="offline")
    assert result.returncode == 0, result.stdout + result.stderr
    assert get_run(server, "pyonline")["state"] == "finished"
