"""Fixtures for the Python package's tests: the real `runhook server` and `runhook listen` of
tests/e2e/conftest.py (loaded from there, not copied), plus ways to run Python against them:
in this process (`runhook_module`) and as a separate script (`run_python`)."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
PYTHON_DIR = Path(os.environ.get("RUNHOOK_PYTHON_DIR", REPOSITORY / "build/python"))


def _load_e2e_fixtures():
    spec = importlib.util.spec_from_file_location("runhook_e2e_fixtures",
                                                  REPOSITORY / "tests/e2e/conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


e2e = _load_e2e_fixtures()
server = e2e.server
listener = e2e.listener
start_listener = e2e.start_listener
wait_for = e2e.wait_for


@pytest.fixture
def runhook_module(server, monkeypatch):
    """The runhook package from the build tree, talking to the test's server."""
    if str(PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(PYTHON_DIR))
    monkeypatch.setenv("RUNHOOK_URL", server.url)
    monkeypatch.setenv("RUNHOOK_ENTITY", "pytest")
    import runhook
    yield runhook
    runhook.finish()


def python_environment(server, **extra):
    environment = dict(os.environ, PYTHONPATH=str(PYTHON_DIR), RUNHOOK_URL=server.url,
                       RUNHOOK_ENTITY="pytest", PYTHONUNBUFFERED="1")
    environment.update(extra)
    return environment


def run_python(server, code, timeout=120, **extra_environment):
    """Runs `code` as a script under /usr/bin/python3 with the build tree's runhook."""
    return subprocess.run(["/usr/bin/python3", "-c", code],
                          env=python_environment(server, **extra_environment),
                          capture_output=True, text=True, timeout=timeout)


def run_line(stdout):
    """(name, id, url) from the line runhook.init prints."""
    match = re.search(r"runhook: run (\S+) \((\S+)\) at (\S+)", stdout)
    assert match, f"no run line in:\n{stdout}"
    return match.group(1), match.group(2), match.group(3)


def get_run(server, run_id, entity="pytest", project="python-tests"):
    status, answer = server.get(f"/api/v1/runs/{entity}/{project}/{run_id}")
    assert status == 200, answer
    return answer["run"]


def wait_for_state(server, run_id, states, project="python-tests"):
    return wait_for(lambda: (lambda run: run if run["state"] in states else None)(
        get_run(server, run_id, project=project)), what=f"run {run_id} in {states}")


def history(server, run_id, project="python-tests"):
    status, answer = server.get(f"/api/v1/runs/pytest/{project}/{run_id}/history")
    assert status == 200, answer
    return answer["rows"]


def body_of(request):
    return json.loads(request["body"])
