"""runhook.hook() validates at once, with the C++ SDK's own checks."""
import pytest



@pytest.fixture
def runhook(runhook_module):
    return runhook_module


def test_a_valid_hook_keeps_its_fields(runhook):
    hook = runhook.hook(run_state=["finished", "failed"], url="https://example.com/{{run.id}}",
                        method="put", body='{"id": "{{run.id}}"}', headers={"X-Run": "{{run.id}}"},
                        name="notify", timeout="500ms", max_attempts=3)
    assert hook.run_state == ["finished", "failed"] and hook.method == "PUT"
    assert hook.timeout == 0.5 and hook.headers == {"X-Run": "{{run.id}}"}


@pytest.mark.parametrize("arguments, message", [
    (dict(run_state="finishd", url="https://x.test"), r"hook 'h' field 'run_state'.*finishd"),
    (dict(run_state="finished", url="https://x.test", method="FETCH"),
     r"hook 'h' field 'method'.*FETCH"),
    (dict(run_state="finished", url="ftp://x.test"), r"hook 'h' field 'url'.*ftp://x.test"),
    (dict(run_state="finished", url=""), r"hook 'h' field 'url': is required"),
    (dict(run_state="finished", url="https://x.test", timeout="soon"),
     r"hook 'h' field 'timeout'.*'soon' is not a duration"),
    (dict(run_state="finished", url="https://x.test", body='{"id": "{{run.id}"}'),
     r"hook 'h' field 'body': .*line 1, column \d+"),
    (dict(run_state="finished", url="https://x.test", body='{\n  "a": {{ run.id + }}\n}'),
     r"hook 'h' field 'body': .*line 2, column \d+"),
    (dict(run_state="finished", url="https://x.test/{% if %}"), r"hook 'h' field 'url': .*line 1"),
    (dict(run_state="finished", url="https://x.test", headers={"X-A": "{{ }}"}),
     r"hook 'h' field 'headers.X-A': .*line 1"),
])
def test_invalid_hooks_raise_value_error_naming_hook_field_and_place(runhook, arguments, message):
    with pytest.raises(ValueError, match=message):
        runhook.hook(name="h", **arguments)


def test_an_unnamed_hook_is_called_unnamed(runhook):
    with pytest.raises(ValueError, match=r"^hook \(unnamed\) field 'method'"):
        runhook.hook(run_state="finished", url="https://x.test", method="FETCH")


def test_init_refuses_duplicate_hook_names_before_contacting_the_server(runhook):
    hooks = [runhook.hook(run_state="finished", url="https://x.test", name="same"),
             runhook.hook(run_state="failed", url="https://x.test", name="same")]
    with pytest.raises(ValueError, match="hook 'same' field 'name': declared twice"):
        runhook.init(project="python-tests", hooks=hooks)
    assert runhook.run is None


def test_init_refuses_things_that_are_not_hooks(runhook):
    with pytest.raises(TypeError, match=r"hooks\[0\] is a dict"):
        runhook.init(project="python-tests", hooks=[{"url": "https://x.test"}])
