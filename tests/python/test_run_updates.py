"""Changes after init reach the server: run.config.update, run.summary[...] = x and
define_metric, read back with runhook.Api() and rendered into a hook body at finish."""
import json

import pytest

from conftest import body_of


def test_config_summary_and_define_metric_reach_the_api_and_the_finished_hook(
        runhook_module, server, listener):
    wandb = runhook_module
    run = wandb.init(project="python-tests", config={"lr": 0.1}, hooks=[
        wandb.hook(run_state="finished", url=listener.url + "/done", name="done",
                   body='{"lr": {{run.config.lr}}, "batch_size": {{run.config.batch_size}}, '
                        '"best": {{run.summary.best}}, "loss": {{run.summary.loss}}, '
                        '"acc": {{run.summary.acc}}}')])
    wandb.define_metric("loss", summary="min")
    for step, loss in enumerate([0.5, 0.125, 0.75]):
        wandb.log({"loss": loss, "acc": step / 4})
    run.config.update({"batch_size": 64})
    run.config.update({"lr": 0.01}, allow_val_change=True)
    run.summary["best"] = 0.875
    wandb.define_metric("acc", summary="max")
    wandb.log({"acc": 0.125, "best": 0.0})  # after the set: best stays 0.875
    assert run.config.batch_size == 64 and run.summary["best"] == 0.875
    wandb.finish()

    request = listener.wait_for_requests(1)[0]
    assert body_of(request) == {"lr": 0.01, "batch_size": 64, "best": 0.875, "loss": 0.125,
                                "acc": 0.5}

    fetched = wandb.Api(base_url=server.url).run(f"pytest/python-tests/{run.id}")
    assert fetched.config == {"lr": 0.01, "batch_size": 64}
    assert fetched.summary == {"loss": 0.125, "acc": 0.5, "best": 0.875}


def test_module_level_config_and_summary_and_mean(runhook_module, server):
    wandb = runhook_module
    run = wandb.init(project="python-tests", config={"epochs": 2})
    wandb.config.update({"optimizer": "adam"})
    wandb.config["dropout"] = 0.5
    wandb.define_metric("loss", summary="mean")
    wandb.define_metric("noise", summary="none")
    for loss in (1, 2, 6):
        wandb.log({"loss": loss, "noise": loss})
    wandb.summary.update({"note": "done", "nested": {"a": [1, 2]}})
    wandb.finish()
    fetched = wandb.Api(base_url=server.url).run(f"pytest/python-tests/{run.id}")
    assert fetched.config == {"epochs": 2, "optimizer": "adam", "dropout": 0.5}
    assert fetched.summary == {"loss": 3.0, "note": "done", "nested": {"a": [1, 2]}}


def test_bad_values_raise_at_the_call(runhook_module):
    wandb = runhook_module
    run = wandb.init(project="python-tests")
    with pytest.raises(ValueError, match="summary must be min, max, mean, last or none"):
        wandb.define_metric("loss", summary="median")
    with pytest.raises(TypeError, match="'bad'"):
        run.config.update({"bad": object()})
    with pytest.raises(TypeError, match="'bad'"):
        run.summary["bad"] = object()
    assert "bad" not in run.config and "bad" not in run.summary
