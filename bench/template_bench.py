#!/usr/bin/python3
"""Compares runhook's template engine with Python's Jinja2 on the same webhook body.

Usage: /usr/bin/python3 bench/template_bench.py PATH/TO/template_bench
Prints compiles/s and renders/s for both and the ratios (targets: renders >= 30x, compiles
>= 500x).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from jinja2.sandbox import SandboxedEnvironment

TEMPLATE = open(os.path.join(os.path.dirname(__file__), "template_bench.cpp")).read()
TEMPLATE = TEMPLATE.split('const char* kTemplate = R"(')[1].split(')";')[0]
CONTEXT = TEMPLATE_CONTEXT = open(os.path.join(os.path.dirname(__file__), "template_bench.cpp")).read()
CONTEXT = CONTEXT.split('const char* kContext = R"(')[1].split(')";')[0]


def rate(function, seconds=1.0):
    iterations, batch = 0, 16
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(batch):
            function()
        iterations += batch
        batch *= 2
    return iterations / (time.perf_counter() - start)


def main():
    environment = SandboxedEnvironment()
    context = json.loads(CONTEXT)
    compiled = environment.from_string(TEMPLATE)
    python = {
        "compiles_per_second": rate(lambda: environment.from_string(TEMPLATE)),
        "renders_per_second": rate(lambda: compiled.render(context)),
    }
    with tempfile.TemporaryDirectory() as directory:
        template_path = os.path.join(directory, "t")
        context_path = os.path.join(directory, "c")
        open(template_path, "w").write(TEMPLATE)
        open(context_path, "w").write(CONTEXT)
        output = subprocess.run([sys.argv[1], template_path, context_path], capture_output=True,
                                text=True, check=True).stdout
    runhook = json.loads(output)
    same = subprocess.run([sys.argv[1]], capture_output=True, text=True).returncode == 0
    print(f"{'':10} {'compiles/s':>12} {'renders/s':>12}")
    print(f"{'jinja2':10} {python['compiles_per_second']:12.0f} {python['renders_per_second']:12.0f}")
    print(f"{'runhook':10} {runhook['compiles_per_second']:12.0f} {runhook['renders_per_second']:12.0f}")
    print(f"{'ratio':10} {runhook['compiles_per_second'] / python['compiles_per_second']:11.0f}x "
          f"{runhook['renders_per_second'] / python['renders_per_second']:11.1f}x")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
