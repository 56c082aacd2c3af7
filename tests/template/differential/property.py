#!/usr/bin/python3
"""Property test: random values through the engine and through Python's Jinja2.

100,000 random doubles through {{ x }}, {{ x|round(3) }}, {{ x|tojson }} and {{ x|string }};
10,000 random Unicode strings through upper, lower, title, length, urlencode, tojson and
truncate. Both sides must produce the same bytes (or the same error type). The seed is fixed so
a failure can be replayed; pass --seed to explore.

Usage: property.py --runhook PATH [--seed N] [--doubles N] [--strings N]
"""
import argparse
import json
import math
import random
import struct
import subprocess
import sys

from jinja2.sandbox import SandboxedEnvironment

DOUBLE_TEMPLATES = ["{{ x }}", "{{ x|round(3) }}", "{{ x|tojson }}", "{{ x|string }}"]
STRING_TEMPLATES = ["{{ s|upper }}", "{{ s|lower }}", "{{ s|title }}", "{{ s|length }}",
                    "{{ s|urlencode }}", "{{ s|tojson }}", "{{ s|truncate(9) }}"]


def random_double(rng):
    kind = rng.random()
    if kind < 0.4:
        while True:
            value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
            if math.isfinite(value):
                return value
    if kind < 0.7:
        return round(rng.uniform(-1000, 1000), rng.randint(0, 6))
    if kind < 0.9:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-20, 20)
    return float(rng.randint(-10 ** 6, 10 ** 6)) + rng.choice([0, 0.5, 0.25, 0.125, 0.005])


RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x1E00, 0x1FFF),
          (0x2000, 0x206F), (0x3040, 0x30FF), (0x4E00, 0x4E80), (0x1F600, 0x1F64F),
          (0x10400, 0x1044F), (0x0, 0x1F), (0xFB00, 0xFB06), (0x530, 0x58F)]


def random_string(rng):
    characters = []
    for _ in range(rng.randint(0, 20)):
        if rng.random() < 0.3:
            characters.append(rng.choice(" -_(<[{'\"&/?=.,\t\n"))
            continue
        low, high = rng.choice(RANGES)
        characters.append(chr(rng.randint(low, high)))
    return "".join(characters)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runhook", required=True)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--doubles", type=int, default=100000)
    parser.add_argument("--strings", type=int, default=10000)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    environment = SandboxedEnvironment()
    compiled = {source: environment.from_string(source) for source in DOUBLE_TEMPLATES + STRING_TEMPLATES}
    requests, expected = [], []

    def add(source, context):
        requests.append(json.dumps({"template": source, "context": context}))
        try:
            expected.append({"output": compiled[source].render(context)})
        except Exception as error:
            expected.append({"error": type(error).__name__})

    for _ in range(arguments.doubles):
        value = random_double(rng)
        for source in DOUBLE_TEMPLATES:
            add(source, {"x": value})
    for _ in range(arguments.strings):
        text = random_string(rng)
        for source in STRING_TEMPLATES:
            add(source, {"s": text})
    completed = subprocess.run([arguments.runhook, "template", "render", "--jsonl"],
                               input="\n".join(requests) + "\n", capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(completed.stderr)
    actual = [json.loads(line) for line in completed.stdout.split("\n") if line]
    failures = 0
    for request, want, got in zip(requests, expected, actual):
        if "output" in want:
            ok = got.get("output") == want["output"]
        else:
            ok = "error" in got and got["error"]["type"] == want["error"]
        if not ok:
            failures += 1
            if failures <= 20:
                print(f"FAIL {request}\n  jinja2:  {want}\n  runhook: {got}")
    print(f"{len(requests)} property cases (seed {arguments.seed}): {len(requests) - failures} passed, "
          f"{failures} failed")
    return 1 if failures or len(actual) != len(requests) else 0


if __name__ == "__main__":
    sys.exit(main())
