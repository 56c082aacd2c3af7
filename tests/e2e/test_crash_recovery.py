"""Crash safety: a server killed with SIGKILL in the middle of a burst of 1,000 deliveries and
started again on the same store delivers every one of them; a delivery sent twice (in flight
when the server died) carries the same webhook-id both times."""
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import start_server, wait_for

RUNS = 100
HOOKS_PER_RUN = 10
EXPECTED = RUNS * HOOKS_PER_RUN
# Each request is answered this long after it arrived: with the dispatcher's 8 connections per
# destination the burst then lasts at least EXPECTED / 8 * RESPONSE_DELAY (2.5 s), so the kill
# lands in its middle while requests are in flight.
RESPONSE_DELAY = 0.02
RETRY_SCHEDULE = "0,0.2s,0.5s,1s,1s,1s,1s,1s"


class SlowReceiver:
    """An HTTP receiver in this process that records every request (its webhook-id and body) when
    it arrives, then answers 200 after RESPONSE_DELAY."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (webhook-id, parsed body), in arrival order
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the dispatcher expects

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append((self.headers.get("webhook-id"), json.loads(body)))
                time.sleep(RESPONSE_DELAY)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the killed server's connections reset; that is the point of the test

        self.http = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return len(self.received)

    def snapshot(self):
        with self.lock:
            return list(self.received)

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def create_runs(server, receiver_url):
    """Creates RUNS runs, each with HOOKS_PER_RUN hooks on `finished`; returns their ids."""
    hooks = [{"name": f"hook-{number}", "run_state": ["finished"],
              "url": receiver_url + "/recv",
              "body": '{"run": "{{ run.id }}", "hook": "{{ hook.name }}"}'}
             for number in range(HOOKS_PER_RUN)]
    run_ids = []
    for index in range(RUNS):
        status, answer = server.post("/api/v1/runs", {"entity": "crash", "project": "burst",
                                                      "id": f"run-{index:03d}", "hooks": hooks})
        assert status == 201, answer
        run_ids.append(answer["run"]["id"])
    return run_ids


def finish(server, run_id):
    status, answer = server.post(f"/api/v1/runs/crash/burst/{run_id}/finish", {"exit_code": 0})
    assert status == 200, answer


def test_sigkill_during_a_burst_loses_no_delivery(tmp_path):
    receiver = SlowReceiver()
    first = start_server(tmp_path, "--retry-schedule", RETRY_SCHEDULE, name="server-first")
    second = None
    try:
        run_ids = create_runs(first, receiver.url)
        assert receiver.count() == 0  # hooks fire on `finished` only

        # The burst: 100 finishes, each committing its run's 10 deliveries.
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda run_id: finish(first, run_id), run_ids))
        wait_for(lambda: receiver.count() >= 100, timeout=30,
                 what="the first 100 deliveries of the burst")
        first.process.kill()
        received_at_kill = receiver.count()
        assert 0 < received_at_kill < EXPECTED, (
            f"the kill was meant to land mid-burst, but {received_at_kill} of {EXPECTED} had "
            "arrived")

        second = start_server(tmp_path, "--retry-schedule", RETRY_SCHEDULE, name="server-second")
        expected = {(run_id, f"hook-{number}") for run_id in run_ids
                    for number in range(HOOKS_PER_RUN)}

        def all_arrived():
            return expected <= {(body["run"], body["hook"]) for _, body in receiver.snapshot()}

        wait_for(all_arrived, timeout=40, interval=0.05,
                 what=f"all {EXPECTED} deliveries after the restart")

        # Each (run, hook) arrived under one webhook-id, however often it arrived.
        ids_by_delivery = {}
        for webhook_id, body in receiver.snapshot():
            assert webhook_id and webhook_id.startswith("msg_"), webhook_id
            ids_by_delivery.setdefault((body["run"], body["hook"]), set()).add(webhook_id)
        assert set(ids_by_delivery) == expected
        different = {key: ids for key, ids in ids_by_delivery.items() if len(ids) != 1}
        assert not different, f"deliveries that arrived with different webhook-ids: {different}"
        assert len({next(iter(ids)) for ids in ids_by_delivery.values()}) == EXPECTED

        # The store agrees: every delivery is delivered, under the webhook-id that arrived.
        def all_delivered():
            status, answer = second.get("/api/v1/deliveries?entity=crash&project=burst"
                                        "&state=delivered&limit=1000")
            assert status == 200, answer
            return answer["deliveries"] if len(answer["deliveries"]) == EXPECTED else None

        delivered = wait_for(all_delivered, timeout=20, what="all deliveries 'delivered'")
        for delivery in delivered:
            assert ids_by_delivery[(delivery["run_id"], delivery["hook"])] == {
                delivery["webhook_id"]}
        for state in ("pending", "failed", "dead"):
            status, answer = second.get(f"/api/v1/deliveries?project=burst&state={state}")
            assert status == 200 and answer["deliveries"] == [], (state, answer)

        duplicates = len(receiver.snapshot()) - EXPECTED
        print(f"received {received_at_kill} before the kill; {duplicates} sent twice")
    finally:
        if second is not None:
            second.process.stop()
        first.process.stop()
        receiver.close()
