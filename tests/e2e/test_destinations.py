"""Destinations (SSRF): a real server listening on 0.0.0.0 refuses webhooks to loopback, private,
link-local and reserved addresses however the URL spells them, records each refusal as a
permanent failure with the reason, and sends nothing; --allow-net lets a network through; a
server on 127.0.0.1 sends to loopback without flags. The receiver is a real `runhook listen` on
:: (both 127.0.0.1 and ::1)."""
import re
import subprocess

import pytest

from conftest import BIN_DIR, Listener, Process, Server, wait_for

SETTLE_TIMEOUT = 20.0

# Each spelling of the receiver's loopback address, as a URL template taking the port.
LOOPBACK_SPELLINGS = {
    "localhost": "http://localhost:{port}/localhost",
    "short-127-1": "http://127.1:{port}/short",
    "hex-7f000001": "http://0x7f000001:{port}/hex",
    "ipv6-loopback": "http://[::1]:{port}/ipv6",
    "ipv4-mapped": "http://[::ffff:127.0.0.1]:{port}/mapped",
    "dotted-127-0-0-1": "http://127.0.0.1:{port}/dotted",
}

# The range each loopback spelling is refused as (localhost may also resolve to ::1).
LOOPBACK_RANGES = {
    "localhost": "127.0.0.0/8",
    "short-127-1": "127.0.0.0/8",
    "hex-7f000001": "127.0.0.0/8",
    "ipv6-loopback": "::1/128",
    "ipv4-mapped": "127.0.0.0/8) as IPv4-mapped ::ffff:0:0/96",
    "dotted-127-0-0-1": "127.0.0.0/8",
}

# One address in every other refused range, and the range named in the reason. Nothing listens
# there: were one let through, its attempt would time out and be retried, not fail at once.
OTHER_REFUSED = {
    "this-network": ("0.0.0.0", "0.0.0.0/8"),
    "private-10": ("10.0.0.1", "10.0.0.0/8"),
    "cgnat": ("100.64.0.1", "100.64.0.0/10"),
    "metadata": ("169.254.169.254", "169.254.169.254/32"),
    "link-local": ("169.254.1.1", "169.254.0.0/16"),
    "private-172": ("172.16.0.1", "172.16.0.0/12"),
    "ietf": ("192.0.0.8", "192.0.0.0/24"),
    "doc-1": ("192.0.2.1", "192.0.2.0/24"),
    "private-192": ("192.168.0.1", "192.168.0.0/16"),
    "benchmarking": ("198.18.0.1", "198.18.0.0/15"),
    "doc-2": ("198.51.100.1", "198.51.100.0/24"),
    "doc-3": ("203.0.113.1", "203.0.113.0/24"),
    "multicast": ("224.0.0.1", "224.0.0.0/4"),
    "reserved": ("240.0.0.1", "240.0.0.0/4"),
    "broadcast": ("255.255.255.255", "255.255.255.255/32"),
    "ipv6-unspecified": ("[::]", "::/128"),
    "unique-local": ("[fd00::1]", "fc00::/7"),
    "ipv6-link-local": ("[fe80::1]", "fe80::/10"),
    "ipv6-multicast": ("[ff02::1]", "ff00::/8"),
    "ipv6-documentation": ("[2001:db8::1]", "2001:db8::/32"),
    "nat64": ("[64:ff9b::a00:1]", "10.0.0.0/8) as NAT64 64:ff9b::/96"),
    "ipv4-compatible": ("[::127.0.0.1]", "127.0.0.0/8) as IPv4-compatible ::/96"),
}


def wait_for_listening(process, pattern):
    def find():
        if process.popen.poll() is not None:
            raise AssertionError(f"process exited early:\n{process.output()}")
        match = re.search(pattern, process.output())
        return match if match else None

    return wait_for(find, what=f"'{pattern}' in {process.log_path}")


def start_server(tmp_path, host, *flags):
    """A real `runhook server` on `host`; its API is reached on 127.0.0.1."""
    name = "server-" + re.sub(r"[^0-9a-z]", "_", host) + str(len(list(tmp_path.glob("server-*"))))
    process = Process([str(BIN_DIR / "runhook"), "server", "--host", host, "--port", "0",
                       "--data", str(tmp_path / name), *flags], tmp_path / f"{name}.log")
    match = wait_for_listening(process, r"listening on http://\S+:([0-9]+) ")
    return Server(process, f"http://127.0.0.1:{match.group(1)}")


@pytest.fixture
def dual_stack_listener(tmp_path):
    jsonl = tmp_path / "dual.jsonl"
    process = Process([str(BIN_DIR / "runhook"), "listen", "--host", "::", "--port", "0",
                       "--jsonl", str(jsonl)], tmp_path / "dual.log")
    try:
        match = wait_for_listening(process, r"listening on http://\[::\]:([0-9]+)")
        yield Listener(process, f"http://127.0.0.1:{match.group(1)}", jsonl), int(match.group(1))
    finally:
        process.stop()


@pytest.fixture
def servers():
    started = []
    yield started
    for server in started:
        server.process.stop()


def finish_run_with_hooks(server, urls_by_name):
    """Creates a run with one `finished` hook per URL, finishes it; returns the run id."""
    hooks = [{"name": name, "run_state": ["finished"], "url": url, "timeout": 2.0}
             for name, url in urls_by_name.items()]
    status, answer = server.post("/api/v1/runs", {"entity": "alice", "project": "ssrf",
                                                  "hooks": hooks})
    assert status == 201, answer
    run_id = answer["run"]["id"]
    base = f"/api/v1/runs/alice/ssrf/{run_id}"
    assert server.post(base + "/start")[0] == 200
    assert server.post(base + "/finish", {"exit_code": 0})[0] == 200
    return run_id


def settled_deliveries(server, run_id, count):
    """Waits until the run's `count` deliveries have all left `pending`; returns them by hook."""
    def settled():
        status, answer = server.get(f"/api/v1/deliveries?run={run_id}&limit=1000")
        assert status == 200, answer
        deliveries = answer["deliveries"]
        if len(deliveries) < count or any(d["state"] == "pending" for d in deliveries):
            return None
        return {delivery["hook"]: delivery for delivery in deliveries}

    return wait_for(settled, timeout=SETTLE_TIMEOUT, what=f"{count} settled deliveries")


def assert_refused(delivery, range_text):
    name = delivery["hook"]
    assert delivery["state"] == "failed", (name, delivery["state"], delivery["error"])
    assert delivery["attempt_count"] == 1, (name, delivery["attempts"])
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None, (name, attempt)
    error = attempt["error"]
    assert error.startswith("not sent: destination "), (name, error)
    assert f"({range_text}" in error, (name, range_text, error)
    assert error.endswith("; allow it with --allow-net"), (name, error)
    assert delivery["error"] == error


def test_server_on_all_interfaces_refuses_every_spelling_and_range(
        tmp_path, servers, dual_stack_listener):
    listener, port = dual_stack_listener
    servers.append(server := start_server(tmp_path, "0.0.0.0"))
    assert "not loopback-only" in server.process.output()
    urls = {name: url.format(port=port) for name, url in LOOPBACK_SPELLINGS.items()}
    urls.update({name: f"http://{host}:{port}/{name}"
                 for name, (host, _) in OTHER_REFUSED.items()})
    run_id = finish_run_with_hooks(server, urls)

    deliveries = settled_deliveries(server, run_id, len(urls))
    assert set(deliveries) == set(urls)
    for name, range_text in LOOPBACK_RANGES.items():
        assert_refused(deliveries[name], range_text)
    for name, (_, range_text) in OTHER_REFUSED.items():
        assert_refused(deliveries[name], range_text)
    assert "destination 127.0.0.1 is loopback" in deliveries["hex-7f000001"]["error"]
    assert "destination ::ffff:127.0.0.1 is loopback" in deliveries["ipv4-mapped"]["error"]
    # Every delivery is settled and none was sent, so nothing can still arrive.
    assert listener.requests() == []


def test_allow_net_lets_loopback_through_and_nothing_else(tmp_path, servers, dual_stack_listener):
    listener, port = dual_stack_listener
    servers.append(server := start_server(tmp_path, "0.0.0.0", "--allow-net", "127.0.0.0/8",
                                          "--allow-net", "::1/128"))
    assert "--allow-net: 127.0.0.0/8, ::1/128" in server.process.output()
    urls = {name: url.format(port=port) for name, url in LOOPBACK_SPELLINGS.items()}
    urls["private-10"] = f"http://10.0.0.1:{port}/private"
    run_id = finish_run_with_hooks(server, urls)

    deliveries = settled_deliveries(server, run_id, len(urls))
    for name in LOOPBACK_SPELLINGS:
        assert deliveries[name]["state"] == "delivered", (name, deliveries[name]["attempts"])
    assert_refused(deliveries["private-10"], "10.0.0.0/8")
    paths = sorted(request["path"] for request in listener.requests())
    assert paths == sorted("/" + url.rsplit("/", 1)[1] for url in LOOPBACK_SPELLINGS.values())


def test_server_on_loopback_sends_to_loopback_without_flags(tmp_path, servers,
                                                           dual_stack_listener):
    listener, port = dual_stack_listener
    servers.append(server := start_server(tmp_path, "127.0.0.1"))
    assert "not loopback-only" not in server.process.output()
    urls = {name: url.format(port=port) for name, url in LOOPBACK_SPELLINGS.items()}
    run_id = finish_run_with_hooks(server, urls)

    deliveries = settled_deliveries(server, run_id, len(urls))
    for name in LOOPBACK_SPELLINGS:
        assert deliveries[name]["state"] == "delivered", (name, deliveries[name]["attempts"])
    assert len(listener.requests()) == len(LOOPBACK_SPELLINGS)


@pytest.mark.parametrize("flags, message", [
    (["--allow-net", "10.0.0.0/33"],
     "--allow-net 10.0.0.0/33: '10.0.0.0/33' is not a network in CIDR notation: the prefix "
     "length '33' is not a number from 0 to 32"),
    (["--allow-net", "intranet"],
     "--allow-net intranet: 'intranet' is not a network in CIDR notation: 'intranet' is not an "
     "IPv4 or IPv6 address"),
    (["--max-per-host", "0"], "--max-per-host"),
])
def test_bad_destination_flags_are_clear_cli_errors(tmp_path, flags, message):
    result = subprocess.run([str(BIN_DIR / "runhook"), "server", "--host", "0.0.0.0", "--port",
                             "0", "--data", str(tmp_path / "data"), *flags],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "listening on" not in result.stdout
