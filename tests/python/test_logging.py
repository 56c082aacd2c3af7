"""runhook.log, config and summary in this process against a real server: wandb's step and
commit rules, faithful value conversion, TypeErrors naming the key."""
import math
import warnings

import pytest

from conftest import get_run, history


def start(runhook, **options):
    return runhook.init(project="python-tests", **options)


def rows_of(server, run):
    return [(row["step"], row["values"]) for row in history(server, run.id)]


def test_step_and_commit_follow_wandbs_rules(runhook_module, server):
    run = start(runhook_module)
    runhook_module.log({"a": 1})                    # step 0, commits
    runhook_module.log({"b": 2}, commit=False)      # step 1, pending
    runhook_module.log({"c": 3})                    # merges into step 1, commits
    runhook_module.log({"d": 4}, step=5)            # moves to 5, does not commit
    runhook_module.log({"e": 5}, step=5)            # merges into 5
    runhook_module.log({"f": 6}, step=6, commit=True)
    assert run.step == 7
    with pytest.warns(UserWarning, match="step 2 is less than the current step 7"):
        runhook_module.log({"g": 7}, step=2)        # ignored
    runhook_module.log({"h": 8})                    # step 7
    runhook_module.finish()
    assert rows_of(server, run) == [(0, {"a": 1}), (1, {"b": 2, "c": 3}),
                                    (5, {"d": 4, "e": 5}), (6, {"f": 6}), (7, {"h": 8})]


def test_values_keep_their_python_types(runhook_module, server):
    numpy = pytest.importorskip("numpy")
    run = start(runhook_module)
    runhook_module.log({"int": 3, "float": 3.0, "bool": True, "none": None, "text": "hi",
                        "nested": {"a": [1, 2.5, {"b": False}], "t": (1, 2)},
                        "np_float": numpy.float32(0.5), "np_int": numpy.int64(7),
                        "np_bool": numpy.bool_(True), "np_0d": numpy.array(2.25),
                        "big": 2**63 - 1, "small": -2**63})
    runhook_module.finish()
    [(step, values)] = rows_of(server, run)
    assert values == {"int": 3, "float": 3.0, "bool": True, "none": None, "text": "hi",
                      "nested": {"a": [1, 2.5, {"b": False}], "t": [1, 2]},
                      "np_float": 0.5, "np_int": 7, "np_bool": True, "np_0d": 2.25,
                      "big": 2**63 - 1, "small": -2**63}
    assert type(values["int"]) is int and type(values["float"]) is float
    assert type(values["np_int"]) is int and type(values["bool"]) is bool
    summary = get_run(server, run.id)["summary"]
    assert summary["np_float"] == 0.5 and type(summary["int"]) is int


def test_torch_scalars_and_zero_dimensional_tensors(runhook_module, server):
    torch = pytest.importorskip("torch")
    run = start(runhook_module)
    loss = torch.tensor(0.125, requires_grad=True) * 1
    runhook_module.log({"loss": loss, "count": torch.tensor(4), "item": loss.item()})
    with pytest.raises(TypeError, match=r"key 'weights'.*shape \(3,\).*\.tolist\(\)"):
        runhook_module.log({"weights": torch.zeros(3)})
    runhook_module.finish()
    [(_, values)] = rows_of(server, run)
    assert values == {"loss": 0.125, "count": 4, "item": 0.125}
    assert type(values["count"]) is int


def test_type_errors_name_the_key(runhook_module):
    start(runhook_module)
    with pytest.raises(TypeError, match=r"runhook.log: cannot store the value at key "
                                        r"'metrics.grads\[1\]': values of type object"):
        runhook_module.log({"metrics": {"grads": [1.0, object()]}})
    with pytest.raises(TypeError, match=r"key 'blob'.*type bytes"):
        runhook_module.log({"blob": b"raw"})
    with pytest.raises(TypeError, match=r"keys must be str, got int 3"):
        runhook_module.log({3: 1.0})
    with pytest.raises(TypeError, match=r"expects a dict"):
        runhook_module.log([("loss", 1.0)])
    with pytest.raises(TypeError, match=r"key 'huge'.*does not fit in a signed 64-bit"):
        runhook_module.log({"huge": 2**63})
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(TypeError, match=r"key 'loop\[0\]\[0\].*nested more than"):
        runhook_module.log({"loop": cyclic})


def test_non_finite_floats_are_stored_as_null(runhook_module, server):
    # JSON has no NaN or infinity; the wire format sends null for them.
    run = start(runhook_module)
    runhook_module.log({"loss": math.inf, "nan": math.nan, "ok": 1.0})
    runhook_module.finish()
    assert rows_of(server, run) == [(0, {"loss": None, "nan": None, "ok": 1.0})]


def test_config_attribute_item_access_update_and_unknown_attribute(runhook_module, server):
    run = start(runhook_module, config={"learning_rate": 0.001, "epochs": 3, "batch_size": 64,
                                        "optimizer": {"name": "adam"}})
    config = runhook_module.config
    assert config is run.config
    assert config.batch_size == 64 and config["epochs"] == 3
    assert config.optimizer == {"name": "adam"}
    assert type(config.learning_rate) is float
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        config.missing
    assert getattr(config, "missing", "default") == "default"
    with pytest.raises(KeyError):
        config["missing"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        config.update({"dropout": 0.1})
        config.momentum = 0.9
        with pytest.raises(runhook_module.ConfigError, match='change value of key "epochs"'):
            config.update({"epochs": 5})
        config.update({"epochs": 5}, allow_val_change=True)
    assert config.epochs == 5 and config["dropout"] == 0.1 and config.momentum == 0.9
    assert sorted(config.keys()) == ["batch_size", "dropout", "epochs", "learning_rate",
                                     "momentum", "optimizer"]
    runhook_module.finish()
    assert get_run(server, run.id)["config"]["batch_size"] == 64


def test_summary_is_dict_like_and_writable(runhook_module, server):
    run = start(runhook_module)
    runhook_module.log({"loss": 0.5, "accuracy": 0.5})
    runhook_module.log({"loss": 0.25})
    summary = runhook_module.summary
    assert summary["loss"] == 0.25 and summary.accuracy == 0.5
    assert dict(summary.items()) == {"loss": 0.25, "accuracy": 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        summary["best_loss"] = 0.2
    assert summary["best_loss"] == 0.2 and "best_loss" in summary
    runhook_module.finish()
    assert get_run(server, run.id)["summary"]["loss"] == 0.25


def test_module_globals_follow_the_run(runhook_module):
    assert runhook_module.run is None
    with pytest.raises(runhook_module.Error, match=r"call runhook.init\(\) before runhook.log"):
        runhook_module.log({"loss": 1.0})
    run = start(runhook_module)
    assert runhook_module.run is run and runhook_module.summary is run.summary
    assert run.url.endswith(f"/pytest/python-tests/runs/{run.id}")
    assert run.project == "python-tests" and run.entity == "pytest"
    runhook_module.finish()
    assert runhook_module.run is None and runhook_module.config is None
    with pytest.raises(runhook_module.Error):
        run.log({"loss": 1.0})


def test_disabled_mode_sends_nothing(runhook_module, server):
    run = runhook_module.init(project="python-tests", mode="disabled", config={"a": 1})
    runhook_module.log({"loss": 1.0})
    assert run.config.a == 1
    runhook_module.finish()
    status, _ = server.get(f"/api/v1/runs/pytest/python-tests/{run.id}")
    assert status == 404
