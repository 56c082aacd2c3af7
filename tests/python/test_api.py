"""runhook.Api reads back what Python logged, from the real server."""
import pytest

from conftest import wait_for


def test_api_run_reads_state_config_summary_url_and_deliveries(runhook_module, server, listener):
    run = runhook_module.init(project="python-tests", config={"epochs": 3, "lr": 0.1}, hooks=[
        runhook_module.hook(run_state="finished", url=listener.url + "/done", name="done",
                            body='{"accuracy": {{run.summary.accuracy}}}')])
    for step in range(10):
        runhook_module.log({"loss": 1.0 / (step + 1), "accuracy": step / 10})
    runhook_module.finish()
    listener.wait_for_requests(1)

    api = runhook_module.Api(base_url=server.url)
    fetched = api.run(f"pytest/python-tests/{run.id}")
    assert fetched.state == "finished"
    assert fetched.config == {"epochs": 3, "lr": 0.1}
    assert fetched.summary == {"loss": 0.1, "accuracy": 0.9}
    assert fetched.url == run.url
    assert fetched.id == run.id and fetched.name == run.name
    assert api.run(f"pytest/python-tests/runs/{run.id}").id == run.id
    deliveries = wait_for(lambda: [delivery for delivery in fetched.deliveries()
                                   if delivery["state"] == "delivered"], what="a delivery")
    assert deliveries[0]["hook"] == "done" and deliveries[0]["body"] == '{"accuracy": 0.9}'

    assert fetched.history(keys=["loss"], samples=3) == [
        {"_step": 0, "loss": 1.0}, {"_step": 4, "loss": 0.2}, {"_step": 9, "loss": 0.1}]
    assert [row["_step"] for row in fetched.scan_history(page_size=4)] == list(range(10))


def test_api_uses_runhook_url_by_default_and_names_unknown_runs(runhook_module, server):
    api = runhook_module.Api()
    assert api.base_url == server.url
    with pytest.raises(runhook_module.Error, match=r"answered 404"):
        api.run("pytest/python-tests/nosuchrun")
    with pytest.raises(ValueError, match="entity/project/run_id"):
        api.run("just-one-part")


def test_api_without_runhook_url_uses_the_sdks_local_default(runhook_module, monkeypatch):
    # The same address Init looks for (and auto-starts a server on), including RUNHOOK_LOCAL_PORT.
    monkeypatch.delenv("RUNHOOK_URL", raising=False)
    monkeypatch.setenv("RUNHOOK_LOCAL_PORT", "5799")
    assert runhook_module.Api().base_url == "http://127.0.0.1:5799"
    monkeypatch.delenv("RUNHOOK_LOCAL_PORT")
    assert runhook_module.Api().base_url == "http://127.0.0.1:5717"


def test_history_of_100000_steps_samples_evenly(runhook_module, server):
    run = runhook_module.init(project="python-tests")
    for step in range(100_000):
        runhook_module.log({"loss": step, "other": 1} if step % 2 else {"loss": step})
    runhook_module.finish()
    fetched = runhook_module.Api().run(f"pytest/python-tests/{run.id}")
    assert fetched.last_step == 99_999
    sampled = fetched.history(samples=500)
    assert len(sampled) == 500
    assert sampled[0] == {"_step": 0, "loss": 0} and sampled[-1]["_step"] == 99_999
    steps = [row["_step"] for row in sampled]
    assert steps == sorted(steps) and max(b - a for a, b in zip(steps, steps[1:])) <= 201
    only_other = fetched.history(keys=["other"], samples=100)
    assert len(only_other) == 100 and all(set(row) == {"_step", "other"} for row in only_other)
    count = sum(1 for _ in fetched.scan_history(keys=["loss"], page_size=25_000))
    assert count == 100_000


def test_runs_lists_a_projects_runs_with_filters(runhook_module, server):
    finished = runhook_module.init(project="python-list", config={"epochs": 3})
    runhook_module.finish()
    failed = runhook_module.init(project="python-list", config={"epochs": 5})
    runhook_module.finish(exit_code=2)
    api = runhook_module.Api()
    runs = api.runs("pytest/python-list")
    assert {run.id for run in runs} == {finished.id, failed.id}
    assert [run.id for run in api.runs("pytest/python-list", {"state": "failed"})] == [failed.id]
    assert [run.id for run in api.runs("pytest/python-list",
                                       {"config.epochs": {"$lt": 4}})] == [finished.id]
