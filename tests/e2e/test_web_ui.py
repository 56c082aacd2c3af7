"""The web UI in a real browser: headless Chromium (Debian's `chromium`, driven over the DevTools
protocol by chromium_driver.py) opens the pages of a run that the Python SDK created against the
real server, with a webhook to a real `runhook listen` receiver. It checks the rendered DOM (the
contract of src/server/run_page.cpp and project_pages.cpp: ids, classes and data- attributes),
clicks Redeliver with a real mouse click and waits for the page to show the new attempt.

Screenshots of the project page and the run page are kept in $RUNHOOK_TEST_ARTIFACTS (ctest sets
it to <build>/test-artifacts/web; else <build>/test-artifacts/web next to the binaries). Without
`chromium` installed the test fails, naming the package."""
import json
import math
import os
import random
import sys
from pathlib import Path

import pytest

from chromium_driver import Browser
from conftest import BIN_DIR, wait_for

PYTHON_DIR = Path(os.environ.get("RUNHOOK_PYTHON_DIR", BIN_DIR.parent / "python"))
ARTIFACTS_DIR = Path(os.environ.get("RUNHOOK_TEST_ARTIFACTS",
                                    BIN_DIR.parent / "test-artifacts" / "web"))
ENTITY = "webui"
PROJECT = "mnist-mlp"
CONFIG = {"learning_rate": 0.001, "epochs": 3, "optimizer": "adam"}


def import_runhook():
    """The runhook package of the build tree (PYTHON_DIR)."""
    if not (PYTHON_DIR / "runhook" / "__init__.py").exists():
        raise AssertionError(f"no runhook package in {PYTHON_DIR}: build the runhook_python target "
                             f"or set RUNHOOK_PYTHON_DIR")
    if str(PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(PYTHON_DIR))
    import runhook
    return runhook


def log_training_run(runhook, hook_url, steps, project=PROJECT, name=None):
    """A finished run made through the SDK: CONFIG, a `finished` hook POSTing to hook_url, and
    `steps` steps of loss and accuracy (plus a learning rate every 10 steps). Returns the run."""
    run = runhook.init(project=project, name=name, config=CONFIG, hooks=[runhook.hook(
        run_state="finished", url=hook_url, name="notify",
        body='{"run": "{{run.id}}", "state": "{{run.state}}", '
             '"loss": {{run.summary.loss}}, "url": "{{run.url}}"}')])
    noise = random.Random(7)  # the same curves every time
    for step in range(steps):
        progress = step / max(steps - 1, 1)
        row = {"loss": round(2.3 * math.exp(-4 * progress) * (1 + noise.gauss(0, 0.08)) + 0.05, 5),
               "accuracy": round(0.1 + 0.88 * (1 - math.exp(-5 * progress)), 5)}
        if step % 10 == 0:
            row["learning_rate"] = round(CONFIG["learning_rate"] * (0.5 ** (step * 3 // steps)),
                                         7)
        runhook.log(row)
    runhook.finish()
    return run


def delivered_delivery(server, run_id):
    """The run's one delivery once it is delivered, else None."""
    status, answer = server.get(f"/api/v1/deliveries?run={run_id}")
    assert status == 200, answer
    deliveries = answer["deliveries"]
    assert len(deliveries) <= 1, deliveries
    return deliveries[0] if deliveries and deliveries[0]["state"] == "delivered" else None


def rows_of(page, table_id):
    """{data-key: [th text, td text]} of a key/value table on the page."""
    return page.evaluate(f"""Object.fromEntries([...document.querySelectorAll(
        "table#{table_id} tr[data-key]")].map(row => [row.dataset.key, [
            row.querySelector("th")?.textContent.trim(),
            row.querySelector("td")?.textContent.trim()]]))""")


@pytest.fixture
def sdk(server, monkeypatch):
    monkeypatch.setenv("RUNHOOK_URL", server.url)
    monkeypatch.setenv("RUNHOOK_ENTITY", ENTITY)
    runhook = import_runhook()
    yield runhook
    runhook.finish()


@pytest.fixture
def browser(tmp_path):
    with Browser.launch(log_path=tmp_path / "chromium.log") as launched:
        yield launched


def check_pages(page, server, listener, run, delivery, steps):
    """The test's browser part; returns the paths of the two screenshots."""
    # Projects page and project page: the run is listed with its state badge.
    page.navigate(server.url + "/")
    projects = page.evaluate(
        "[...document.querySelectorAll('table#projects tr.project')].map(r => r.textContent)")
    assert any(PROJECT in text for text in projects), projects
    page.navigate(f"{server.url}/{ENTITY}/{PROJECT}")
    listed = page.evaluate("""[...document.querySelectorAll("table#runs tr.run")].map(row => ({
        id: row.dataset.runId, badge: row.querySelector(".badge")?.className,
        text: row.textContent}))""")
    [row] = [row for row in listed if row["id"] == run.id] or [None]
    assert row is not None, f"run {run.id} not among the project's rows: {listed}"
    assert "state-finished" in row["badge"].split(), row
    assert run.name in row["text"], row
    project_png = page.screenshot(ARTIFACTS_DIR / "project-page.png")

    # Run page.
    run_path = f"/{ENTITY}/{PROJECT}/runs/{run.id}"
    assert run.url.endswith(run_path), run.url
    page.navigate(server.url + run_path)
    assert page.evaluate("document.title") == f"{run.name} · {ENTITY}/{PROJECT} · runhook"
    badge = page.evaluate("""(() => { const badge = document.getElementById("run-state");
        return badge && {text: badge.textContent.trim(), classes: [...badge.classList]}; })()""")
    assert badge == {"text": "finished", "classes": ["badge", "state-finished"]}, badge

    config = rows_of(page, "config")
    assert config == {key: [key, str(value)] for key, value in CONFIG.items()}, config
    summary = rows_of(page, "summary")
    assert {"loss", "accuracy", "learning_rate"} <= summary.keys(), summary
    assert summary["accuracy"][1] == str(round(0.1 + 0.88 * (1 - math.exp(-5)), 5)), summary

    # One chart per metric, drawn: the page's JS sets data-points, and the canvas has pixels.
    charts = page.wait_for("""(() => {
        const canvases = [...document.querySelectorAll("#charts canvas.metric-chart")];
        if (canvases.length < 3 || canvases.some(canvas => !(+canvas.dataset.points > 0)))
            return null;
        return Object.fromEntries(canvases.map(canvas => {
            const pixels = canvas.getContext("2d").getImageData(
                0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) ++painted;
            return [canvas.dataset.key, {points: +canvas.dataset.points, painted}];
        }));
    })()""", timeout=10, what="three metric charts with data-points > 0")
    assert sorted(charts) == ["accuracy", "learning_rate", "loss"], charts
    for key, chart in charts.items():
        assert chart["points"] <= steps and chart["painted"] > 0, (key, chart)
    assert charts["loss"]["points"] >= 100, charts  # sampled, perhaps, but not to a handful
    sizes = page.evaluate("""(async () => {
        const heights = () => [...document.querySelectorAll("canvas.metric-chart")].map(
            canvas => canvas.getBoundingClientRect().height);
        const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
        const before = heights();
        for (let i = 0; i < 10; ++i) await frame();
        return {before, after: heights(), viewport: innerHeight};
    })()""")
    assert sizes["before"] == sizes["after"] and max(sizes["after"]) < sizes["viewport"], \
        f"the charts keep resizing or outgrow the window (a responsive Chart.js canvas needs a " \
        f"container of its own with a fixed height): {sizes}"

    # Zoom: steps 100 to 150 of the loss chart, asked of the server (51 points, not a slice of
    # the downsampled series), then reset to the whole run. Real clicks on the page's buttons.
    page.evaluate("""(() => {
        const figure = document.querySelector('#charts canvas.metric-chart[data-key="loss"]')
            .closest("figure");
        figure.id = "loss-figure";
        figure.querySelector('input[aria-label="min step"]').value = "100";
        figure.querySelector('input[aria-label="max step"]').value = "150";
    })()""")
    loss_points_js = """(() => {
        const canvas = document.querySelector('canvas.metric-chart[data-key="loss"]');
        const data = Chart.getChart(canvas).data.datasets[0].data;
        return {points: +canvas.dataset.points, first: data[0].x, last: data[data.length - 1].x};
    })()"""
    page.click("#loss-figure div.zoom button:nth-of-type(1)")
    zoomed = page.wait_for(f"(() => {{ const shown = {loss_points_js}; "
                           f"return shown.points === 51 && shown; }})()",
                           timeout=10, what="the loss chart zoomed to steps 100-150")
    assert zoomed == {"points": 51, "first": 100, "last": 150}, zoomed
    page.click("#loss-figure div.zoom button:nth-of-type(2)")
    whole = page.wait_for(f"(() => {{ const shown = {loss_points_js}; "
                          f"return shown.points === {charts['loss']['points']} && shown; }})()",
                          timeout=10, what="the loss chart reset to the whole run")
    assert whole["first"] == 0 and whole["last"] == steps - 1, whole

    # The delivery and its one attempt.
    selector = f'table#deliveries tbody.delivery[data-delivery-id="{delivery["id"]}"]'
    attempts_js = f"""[...document.querySelectorAll('{selector} tr.attempt')].map(row => ({{
        status: row.querySelector(".attempt-status")?.textContent.trim(),
        latency: row.querySelector(".attempt-latency")?.textContent.trim(),
        response: row.querySelector(".attempt-response")?.textContent.trim()}}))"""
    shown = page.evaluate(f"""(() => {{ const body = document.querySelector('{selector}');
        return body && {{state: body.dataset.state,
                         cell: body.querySelector(".delivery-state")?.textContent.trim()}};
    }})()""")
    assert shown == {"state": "delivered", "cell": "delivered"}, shown
    [attempt] = page.evaluate(attempts_js)
    assert attempt["status"] == "200" and attempt["latency"], attempt

    # Redeliver with a real mouse click; the page (not reloaded) shows a second attempt.
    page.evaluate("window.runhookTestMarker = 'same document'")
    page.click(f"{selector} button.redeliver")
    attempts = page.wait_for(f"(() => {{ const rows = {attempts_js}; "
                             f"return rows.length >= 2 && rows; }})()",
                             timeout=10, what="a second attempt row after Redeliver")
    assert len(attempts) == 2 and all(row["status"] == "200" for row in attempts), attempts
    assert page.evaluate("window.runhookTestMarker") == "same document", \
        "Redeliver reloaded the page: the click should POST the API and refresh live"
    requests = listener.wait_for_requests(2)
    assert len(requests) == 2, requests
    assert requests[0]["headers"]["webhook-id"] == requests[1]["headers"]["webhook-id"] \
        == delivery["webhook_id"], [request["headers"] for request in requests]
    assert json.loads(requests[1]["body"])["run"] == run.id
    status, stored = server.get(f"/api/v1/deliveries/{delivery['id']}")
    assert status == 200 and len(stored["delivery"]["attempts"]) == 2, stored
    run_png = page.screenshot(ARTIFACTS_DIR / "run-page.png")

    assert page.errors() == [], f"JavaScript errors on the pages: {page.errors()}"
    return project_png, run_png


def test_run_page_shows_the_run_and_redelivers_through_a_real_click(server, listener, sdk,
                                                                   browser, capsys):
    steps = 300
    run = log_training_run(sdk, listener.url + "/hook", steps)
    delivery = wait_for(lambda: delivered_delivery(server, run.id), timeout=15,
                        what="the finished hook to be delivered")
    page = browser.new_page()
    (ARTIFACTS_DIR / "failed-page.png").unlink(missing_ok=True)  # from an earlier failure
    try:
        project_png, run_png = check_pages(page, server, listener, run, delivery, steps)
    except BaseException:
        failed_png = page.screenshot(ARTIFACTS_DIR / "failed-page.png")
        print(f"screenshot of the page at the failure: {failed_png}")
        raise
    with capsys.disabled():  # shown on success too
        print(f"\nscreenshots: {project_png} {run_png}")
