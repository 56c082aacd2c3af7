"""init() and finish() wait on the SDK without holding the GIL, so Python threads keep running."""
import socket
import threading
import time

import pytest


def test_init_releases_the_gil_while_it_waits_for_the_server(runhook_module, monkeypatch):
    # A server written in Python, in this process: it can only answer if init releases the GIL.
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    monkeypatch.setenv("RUNHOOK_URL", "http://127.0.0.1:%d" % listening.getsockname()[1])
    seen = []

    def answer_slowly():
        connection, _ = listening.accept()
        seen.append(connection.recv(65536).split(b"\r\n", 1)[0])
        time.sleep(0.2)  # the SDK is waiting; a Python thread still runs
        connection.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json"
                           b"\r\nContent-Length: 58\r\nConnection: close\r\n\r\n"
                           b'{"error": {"code": "unavailable", "message": "try later"}}')
        connection.close()

    thread = threading.Thread(target=answer_slowly, daemon=True)
    thread.start()
    started = time.monotonic()
    with pytest.raises(runhook_module.Error, match="refused to create run.*try later"):
        runhook_module.init(project="python-tests")
    assert time.monotonic() - started < 5  # the SDK's own timeout is 15 s
    assert seen == [b"POST /api/v1/runs HTTP/1.1"]
    thread.join(5)
    listening.close()
