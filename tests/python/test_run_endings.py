"""How a Python script's end reaches the server: exceptions, `with`, sys.exit, KeyboardInterrupt
and a missing finish(), each as a separate real process against a real server and receiver."""
import textwrap

from conftest import body_of, get_run, run_line, run_python

FAILED_BODY = ('{"run_id": "{{run.id}}", "state": "{{run.state}}", '
               '"reason": "{{run.failure_reason}}", "exit_code": {{run.exit_code}}, '
               '"error_type": "{{run.error.type}}", "error_message": "{{run.error.message}}"}')


def script(listener, body):
    """A script that starts a run with finished and failed hooks, then runs `body`."""
    return textwrap.dedent('''
        import runhook as wandb
        run = wandb.init(project="python-tests", config={"epochs": 1}, hooks=[
            wandb.hook(run_state="finished", url=%r, body='{"finished": "{{run.id}}"}'),
            wandb.hook(run_state="failed", url=%r, body=%r)])
        wandb.log({"loss": 0.5})
    ''') % (listener.url + "/finished", listener.url + "/failed", FAILED_BODY) + \
        textwrap.dedent(body)


def ended(server, listener, result, path):
    """The run and the single hook request of a finished script."""
    _, run_id, _ = run_line(result.stdout)
    [request] = listener.wait_for_requests(1)
    assert request["path"] == path, request
    return get_run(server, run_id), request


def test_unhandled_exception_fails_the_run_with_type_message_and_traceback(server, listener):
    result = run_python(server, script(listener, '''
        def train():
            raise ValueError("loss is nan at step 7")
        train()
    '''))
    assert result.returncode == 1
    # The previous excepthook still ran: Python's own traceback is on stderr.
    assert "ValueError: loss is nan at step 7" in result.stderr
    run, request = ended(server, listener, result, "/failed")
    assert run["state"] == "failed"
    assert run["exit_code"] == 1
    assert run["failure_reason"] == "exception"
    assert run["error"]["type"] == "ValueError"
    assert run["error"]["message"] == "loss is nan at step 7"
    assert "in train" in run["error"]["traceback"]
    assert body_of(request)["error_type"] == "ValueError"


def test_excepthook_is_chained_not_replaced(server, listener):
    result = run_python(server, '''
import sys
def mine(kind, value, trace):
    print("my hook saw", kind.__name__, flush=True)
sys.excepthook = mine
''' + script(listener, '''
        raise RuntimeError("boom")
    '''))
    assert "my hook saw RuntimeError" in result.stdout
    run, _ = ended(server, listener, result, "/failed")
    assert run["error"]["type"] == "RuntimeError"


def test_leaving_a_with_block_by_an_exception_fails_the_run(server, listener):
    result = run_python(server, textwrap.dedent('''
        import runhook
        try:
            with runhook.init(project="python-tests", hooks=[
                    runhook.hook(run_state="failed", url=%r, body=%r)]) as run:
                runhook.log({"loss": 1.0})
                {}["missing"]
        except KeyError:
            print("caught", run.finished)
    ''') % (listener.url + "/failed", FAILED_BODY))
    assert result.returncode == 0, result.stderr
    assert "caught True" in result.stdout
    run, request = ended(server, listener, result, "/failed")
    assert run["state"] == "failed"
    assert run["error"]["type"] == "KeyError"
    assert body_of(request)["reason"] == "exception"


def test_with_block_that_ends_normally_finishes(server, listener):
    result = run_python(server, textwrap.dedent('''
        import runhook
        with runhook.init(project="python-tests", hooks=[
                runhook.hook(run_state="finished", url=%r)]) as run:
            runhook.log({"loss": 1.0})
        print("after", runhook.run)
    ''') % (listener.url + "/finished"))
    assert result.returncode == 0, result.stderr
    assert "after None" in result.stdout
    run, _ = ended(server, listener, result, "/finished")
    assert run["state"] == "finished"


def test_sys_exit_with_a_code_fails_the_run_with_that_code(server, listener):
    result = run_python(server, script(listener, '''
        import sys
        sys.exit(3)
    '''))
    assert result.returncode == 3
    run, request = ended(server, listener, result, "/failed")
    assert run["state"] == "failed"
    assert run["exit_code"] == 3
    assert body_of(request)["exit_code"] == 3


def test_sys_exit_zero_finishes_the_run(server, listener):
    result = run_python(server, script(listener, '''
        import sys
        sys.exit(0)
    '''))
    assert result.returncode == 0, result.stderr
    run, _ = ended(server, listener, result, "/finished")
    assert run["state"] == "finished"
    assert run["exit_code"] == 0


def test_keyboard_interrupt_marks_the_run_killed(server, listener):
    result = run_python(server, script(listener, '''
        raise KeyboardInterrupt
    '''))
    assert result.returncode != 0
    run, request = ended(server, listener, result, "/failed")
    assert run["state"] == "failed"
    assert run["failure_reason"] == "killed"
    assert body_of(request)["reason"] == "killed"


def test_script_ending_without_finish_finishes_at_exit(server, listener):
    result = run_python(server, script(listener, '''
        wandb.log({"loss": 0.25})
        print("no finish")
    '''))
    assert result.returncode == 0, result.stderr
    run, request = ended(server, listener, result, "/finished")
    assert run["state"] == "finished"
    assert run["summary"]["loss"] == 0.25
    assert body_of(request) == {"finished": run["id"]}
