"""What the HTTP benches share: one kept-alive connection to a started server, and percentiles.

Used by series_bench.py and runs_table_bench.py (import it from the bench directory)."""

import http.client
import json
import math
import time
from urllib.parse import urlparse


class KeepAliveClient:
    """One kept-alive HTTP connection to the server; a status >= 300 raises RuntimeError."""

    def __init__(self, url, timeout=600):
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port,
                                                     timeout=timeout)

    def request_raw(self, method, path, body=None):
        """The response body as bytes; `body` (when given) is sent as JSON."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {raw[:300]!r}")
        return raw

    def request(self, method, path, body=None):
        """The response body parsed as JSON."""
        return json.loads(self.request_raw(method, path, body))

    def timed_get_raw(self, path):
        """(milliseconds, body bytes) of one GET."""
        started = time.perf_counter()
        raw = self.request_raw("GET", path)
        return (time.perf_counter() - started) * 1000.0, raw

    def timed_get(self, path):
        """(milliseconds, parsed JSON) of one GET, the parsing included in the time."""
        started = time.perf_counter()
        answer = self.request("GET", path)
        return (time.perf_counter() - started) * 1000.0, answer


def percentile(samples, fraction):
    """The nearest-rank percentile: the smallest sample with `fraction` of them at or below."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]
