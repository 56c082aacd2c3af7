#!/usr/bin/env bash
# Makes docs/images/run-page.png, the README's picture of a run page: a server on a fresh store
# and a `runhook listen` receiver (in a temporary directory, stopped at the end), a finished run
# of 1,000 steps logged through the Python SDK whose webhook was delivered, and headless Chromium
# (tests/e2e/chromium_driver.py) photographing the page once its charts are drawn.
# Usage: scripts/screenshot_run_page.sh [BUILD_DIR] [OUTPUT.png]; needs BUILD_DIR/bin/runhook and
# BUILD_DIR/python (default build/, i.e. after scripts/build.sh) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=$(realpath "${1:-build}")
OUTPUT=$(realpath -m "${2:-docs/images/run-page.png}")

RUNHOOK_BIN_DIR="$BUILD_DIR/bin" RUNHOOK_PYTHON_DIR="$BUILD_DIR/python" \
  /usr/bin/python3 - "$OUTPUT" <<'PYTHON'
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, "tests/e2e")
from chromium_driver import Browser  # noqa: E402
from conftest import start_listener, start_server, wait_for  # noqa: E402
import test_web_ui as web  # noqa: E402

output = Path(sys.argv[1])
work = Path(tempfile.mkdtemp(prefix="runhook-screenshot-"))
server = start_server(work)
listener = None
try:
    listener = start_listener(work)
    os.environ.update(RUNHOOK_URL=server.url, RUNHOOK_ENTITY="demo")
    run = web.log_training_run(web.import_runhook(), listener.url + "/hook", steps=1000)
    wait_for(lambda: web.delivered_delivery(server, run.id), timeout=15,
             what="the finished hook to be delivered")
    with Browser.launch(log_path=work / "chromium.log", window_size=(1280, 900)) as browser:
        page = browser.new_page()
        page.navigate(server.url + "/" + run.url.split("/", 3)[3])
        page.wait_for("""(() => { const charts = document.querySelectorAll("canvas.metric-chart");
            return charts.length > 0 && [...charts].every(chart => +chart.dataset.points > 0);
        })()""", timeout=15, what="every chart drawn (data-points > 0)")
        page.screenshot(output)
    print(f"wrote {output} (run {run.id}, {run.url})")
finally:
    if listener is not None:
        listener.process.stop()
    server.process.stop()
    shutil.rmtree(work, ignore_errors=True)
PYTHON
