"""A small Chrome DevTools Protocol driver for browser tests, on the Python standard library only.

It starts Debian's `chromium` headless with `--remote-debugging-pipe`: the browser reads CDP
commands from its fd 3 and writes answers and events to its fd 4, each message JSON ended by a
NUL byte. One reader thread owns fd 4 and files answers (by id) and events; any thread may send.

    with Browser.launch(log_path=tmp_path / "chromium.log") as browser:
        page = browser.new_page()
        page.navigate("http://127.0.0.1:5717/")
        page.wait_for("document.querySelectorAll('tr.run').length > 0", what="run rows")
        page.click("button.redeliver")
        page.screenshot(tmp_path / "page.png")

Browser.close() (also on leaving the `with`) always ends Chromium: Browser.close over CDP, then
SIGKILL to Chromium's process group if it has not exited within the deadline. A Browser owns its
process, its temporary profile directory and its pipes; a Page belongs to its Browser.
"""
import base64
import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM_PACKAGE = "chromium"  # the Debian package that provides /usr/bin/chromium

HEADLESS_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
]


class BrowserError(AssertionError):
    """Chromium is missing, died, or answered a command with an error. An AssertionError, so a
    test that meets one fails (it is never a skip)."""


class JavaScriptError(BrowserError):
    """An expression given to Page.evaluate threw."""


def find_chromium():
    """The absolute path of the chromium executable; BrowserError naming the package if absent."""
    path = shutil.which("chromium")
    if path is None:
        raise BrowserError(f"`chromium` is not on PATH: install the Debian package "
                           f"'{CHROMIUM_PACKAGE}' (apt-get install {CHROMIUM_PACKAGE}; "
                           f"scripts/bootstrap.sh does)")
    return path


def _high_fd(fd):
    """A close-on-exec duplicate of fd numbered 10 or more (so the child's dup2 onto 3 and 4
    cannot clobber a source), closing fd."""
    duplicate = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return duplicate


class Browser:
    def __init__(self, pid, command_fd, event_fd, profile_dir, log_path):
        self.pid = pid
        self.log_path = log_path
        self._command_fd = command_fd
        self._event_fd = event_fd
        self._profile_dir = profile_dir
        self._condition = threading.Condition()
        self._answers = {}  # command id -> answer message
        self._events = []  # every event message, in arrival order
        self._next_id = 0
        self._disconnected = False
        self._write_lock = threading.Lock()
        self._exit_status = None
        self._reader = threading.Thread(target=self._read_messages, daemon=True,
                                        name="chromium-cdp-reader")
        self._reader.start()
        self._waiter = threading.Thread(target=self._wait_for_exit, daemon=True,
                                        name="chromium-waiter")
        self._waiter.start()
        self._closed = False

    @classmethod
    def launch(cls, log_path=None, window_size=(1280, 900), extra_flags=(), timeout=30.0):
        """Starts headless Chromium in its own process group with a fresh profile; its stdout and
        stderr go to log_path (a file in the profile if None). Waits until it answers over CDP."""
        executable = find_chromium()
        profile_dir = tempfile.mkdtemp(prefix="runhook-chromium-")
        if log_path is None:  # removed with the profile
            log_path = Path(profile_dir) / "chromium-output.log"
        log_path = Path(log_path)
        to_browser_read, to_browser_write = (_high_fd(fd) for fd in os.pipe())
        from_browser_read, from_browser_write = (_high_fd(fd) for fd in os.pipe())
        log_fd = _high_fd(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
        argv = [executable, *HEADLESS_FLAGS, f"--user-data-dir={profile_dir}",
                f"--window-size={window_size[0]},{window_size[1]}", *extra_flags, "about:blank"]
        try:
            pid = os.posix_spawn(executable, argv, os.environ, setsid=True, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log_fd, 1),
                (os.POSIX_SPAWN_DUP2, log_fd, 2),
                (os.POSIX_SPAWN_DUP2, to_browser_read, 3),
                (os.POSIX_SPAWN_DUP2, from_browser_write, 4),
            ])
        except BaseException:
            for fd in (to_browser_write, from_browser_read):
                os.close(fd)
            shutil.rmtree(profile_dir, ignore_errors=True)
            raise
        finally:
            for fd in (to_browser_read, from_browser_write, log_fd):
                os.close(fd)  # the child has its copies; ours would hide the child's exit (EOF)
        browser = cls(pid, to_browser_write, from_browser_read, profile_dir, log_path)
        try:
            browser.send("Browser.getVersion", timeout=timeout)
        except BaseException:
            browser.close()
            raise
        return browser

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    # --- The protocol.

    def _read_messages(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._event_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._condition:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self._events.append(message)
                self._condition.notify_all()
        with self._condition:
            self._disconnected = True
            self._condition.notify_all()

    def _wait_for_exit(self):
        _, status = os.waitpid(self.pid, 0)
        with self._condition:
            self._exit_status = status
            self._condition.notify_all()

    def log_tail(self, characters=2000):
        try:
            return Path(self.log_path).read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def send(self, method, params=None, session_id=None, timeout=30.0):
        """Sends one CDP command and returns its result; BrowserError on an error answer, a
        timeout or a dead browser."""
        with self._condition:
            self._next_id += 1
            command_id = self._next_id
        message = {"id": command_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        data = json.dumps(message).encode() + b"\0"
        with self._write_lock:
            try:
                while data:
                    data = data[os.write(self._command_fd, data):]
            except OSError as error:
                raise BrowserError(f"cannot send {method} to Chromium ({error}); its log ends "
                                   f"with:\n{self.log_tail()}") from None
        deadline = time.monotonic() + timeout
        with self._condition:
            while command_id not in self._answers:
                if self._disconnected:
                    raise BrowserError(f"Chromium went away before answering {method}; its log "
                                       f"ends with:\n{self.log_tail()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrowserError(f"Chromium did not answer {method} within {timeout}s")
                self._condition.wait(remaining)
            answer = self._answers.pop(command_id)
        if "error" in answer:
            raise BrowserError(f"{method} failed: {answer['error']}")
        return answer.get("result", {})

    def event_count(self):
        """A mark for wait_for_event(after=...): events that arrive later have an index >= it."""
        with self._condition:
            return len(self._events)

    def events(self, method=None, session_id=None, after=0):
        with self._condition:
            return [event for event in self._events[after:]
                    if (method is None or event.get("method") == method)
                    and (session_id is None or event.get("sessionId") == session_id)]

    def wait_for_event(self, method, session_id=None, after=0, predicate=None, timeout=30.0):
        """The first event `method` (of session_id) at index >= after for which predicate(params)
        is true; BrowserError if none arrives before the deadline."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                for event in self._events[after:]:
                    if (event.get("method") == method
                            and (session_id is None or event.get("sessionId") == session_id)
                            and (predicate is None or predicate(event.get("params", {})))):
                        return event.get("params", {})
                if self._disconnected:
                    raise BrowserError(f"Chromium went away while waiting for {method}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrowserError(f"no {method} event within {timeout}s")
                self._condition.wait(remaining)

    # --- Pages and shutdown.

    def new_page(self, url="about:blank"):
        """A new tab attached in flatten mode (commands carry its sessionId), with the Page and
        Runtime domains enabled so page loads, JS exceptions and console errors are recorded."""
        target_id = self.send("Target.createTarget", {"url": url})["targetId"]
        session_id = self.send("Target.attachToTarget",
                               {"targetId": target_id, "flatten": True})["sessionId"]
        page = Page(self, target_id, session_id)
        page.send("Page.enable")
        page.send("Runtime.enable")
        return page

    def close(self, timeout=10.0):
        """Ends Chromium: Browser.close, then SIGKILL to its process group after `timeout`; then
        removes the profile. Idempotent; never raises for a browser that is already gone."""
        if self._closed:
            return
        self._closed = True
        if not self._disconnected and self._exit_status is None:
            try:
                self.send("Browser.close", timeout=timeout / 2)
            except BrowserError:
                pass
        self._waiter.join(timeout)
        # Kill the group (Chromium's helpers too), whether or not the browser itself exited.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._waiter.join()
        for fd in (self._command_fd, self._event_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self._reader.join(timeout)
        shutil.rmtree(self._profile_dir, ignore_errors=True)


class Page:
    """One tab. Methods raise BrowserError (or JavaScriptError) naming what failed."""

    def __init__(self, browser, target_id, session_id):
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id

    def send(self, method, params=None, timeout=30.0):
        return self.browser.send(method, params, session_id=self.session_id, timeout=timeout)

    def navigate(self, url, timeout=30.0):
        """Loads url and waits for its load event; BrowserError on a network error."""
        mark = self.browser.event_count()
        result = self.send("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise BrowserError(f"navigating to {url} failed: {result['errorText']}")
        self.browser.wait_for_event("Page.loadEventFired", self.session_id, after=mark,
                                    timeout=timeout)

    def evaluate(self, expression, timeout=30.0):
        """The value of a JS expression (promises awaited), returned by value (JSON)."""
        result = self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True,
            "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise JavaScriptError(f"{expression!r} threw: {description}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=10.0, what=None, interval=0.05):
        """Evaluates expression until its value is truthy and returns that value; BrowserError
        with the last value after the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {timeout}s waiting for {what or expression} "
                                   f"(last value {value!r})")
            time.sleep(interval)

    def element_center(self, selector, timeout=5.0):
        """(x, y) of the center of the first element matching selector, scrolled into view, in
        viewport coordinates, once its box stays the same over two animation frames (a layout
        still moving would make a click land elsewhere). BrowserError if it is missing, has no
        size, keeps moving past the deadline, or is covered by another element there."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.evaluate(f"""(async () => {{
                const element = document.querySelector({json.dumps(selector)});
                if (!element) return {{error: "no element matches"}};
                element.scrollIntoView({{block: "center", inline: "center"}});
                const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
                await frame();
                const before = element.getBoundingClientRect();
                await frame();
                await frame();
                const box = element.getBoundingClientRect();
                if (box.width === 0 || box.height === 0) return {{error: "element has no size"}};
                if (["left", "top", "width", "height"].some(side => box[side] !== before[side]))
                    return {{error: "element keeps moving", moving: true}};
                const x = box.left + box.width / 2, y = box.top + box.height / 2;
                const hit = document.elementFromPoint(x, y);
                if (!hit || !(hit === element || element.contains(hit)))
                    return {{error: "element is covered by " + (hit ? hit.outerHTML.slice(0, 120)
                                                                    : "nothing")}};
                return {{x, y}};
            }})()""")
            if "error" not in found:
                return found["x"], found["y"]
            if not found.get("moving") or time.monotonic() > deadline:
                raise BrowserError(f"cannot click {selector!r}: {found['error']}")

    def click(self, selector):
        """A real left click: mouse moved, pressed and released at the element's center through
        Input.dispatchMouseEvent (so it is trusted, hits whatever is on top, submits forms).
        BrowserError if the click event reached another element."""
        x, y = self.element_center(selector)
        self.evaluate(f"""(() => {{
            const element = document.querySelector({json.dumps(selector)});
            window.__chromiumDriverClick = null;
            window.addEventListener("click", event => {{ window.__chromiumDriverClick = {{
                hit: element.contains(event.target),
                target: event.target.outerHTML.slice(0, 120)}}; }}, {{capture: true, once: true}});
        }})()""")
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for event_type in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": event_type, "x": x, "y": y,
                                                   "button": "left", "buttons": 1,
                                                   "clickCount": 1})
        # Read at once, before a navigation the click may start replaces the document (then
        # the value is gone and nothing is checked).
        landed = self.evaluate("window.__chromiumDriverClick")
        if landed and not landed["hit"]:
            raise BrowserError(f"the click at ({x:.0f}, {y:.0f}) meant for {selector!r} reached "
                               f"{landed['target']}")

    def screenshot(self, path, full_page=True):
        """Writes a PNG of the page (the whole document if full_page, else the viewport) and
        returns its path."""
        params = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def errors(self):
        """Uncaught JS exceptions and console.error messages of this page so far, as text."""
        found = []
        for event in self.browser.events(session_id=self.session_id):
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description")
                             or details.get("text", "exception"))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(" ".join(str(argument.get("value", argument.get("description", "")))
                                      for argument in params.get("args", [])))
        return found

    def close(self):
        self.browser.send("Target.closeTarget", {"targetId": self.target_id})
