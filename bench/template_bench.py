#!/usr/bin/python3
"""Compares runhook's template engine with Python's Jinja2 on the same webhook bodies.

Usage: /usr/bin/python3 bench/template_bench.py PATH/TO/template_bench [CASE ...]
The templates and the context are read from bench/template_bench.cpp. For each case, prints
compiles/s and renders/s for both engines and the ratios (targets: renders >= 30x, compiles
>= 500x). runhook's renders are shown two ways from the same run: against a PreparedContext
built once ("runhook prep.", as Jinja2 renders against a dict built once) and against the JSON
(Template::Render(const Json&), "runhook json"). Exit status 1 when runhook's output differs
from Jinja2's for any case (or its two render paths differ from each other).
"""
import json
import os
import re
import subprocess
import sys
import time

from jinja2.sandbox import SandboxedEnvironment

SOURCE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "template_bench.cpp")).read()
CONTEXT = re.search(r'R"context\((.*?)\)context"', SOURCE, re.S).group(1)
CASES = re.findall(r'\{"(\w+)",\s*R"template\((.*?)\)template"\}', SOURCE, re.S)


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
    wanted = sys.argv[2:]
    environment = SandboxedEnvironment()
    context = json.loads(CONTEXT)
    output = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
    # check=True: template_bench exits 1 when its prepared and JSON renders differ.
    runhook = {line["case"]: line for line in map(json.loads, output.splitlines())}
    same = True
    print(f"{'':18} {'compiles/s':>12} {'renders/s':>12}")
    for name, template in CASES:
        if wanted and name not in wanted:
            continue
        compiled = environment.from_string(template)
        expected = compiled.render(context)
        python = {
            "compiles_per_second": rate(lambda: environment.from_string(template)),
            "renders_per_second": rate(lambda: compiled.render(context)),
        }
        ours = runhook[name]
        if ours["output"] != expected:
            same = False
            print(f"{name}: OUTPUT DIFFERS\n--- jinja2\n{expected}\n--- runhook\n{ours['output']}")
        print(f"{name + ' jinja2':18} {python['compiles_per_second']:12.0f} "
              f"{python['renders_per_second']:12.0f}")
        print(f"{name + ' runhook prep.':18} {ours['compiles_per_second']:12.0f} "
              f"{ours['prepared_renders_per_second']:12.0f}")
        print(f"{name + ' runhook json':18} {'':12} {ours['renders_per_second']:12.0f}")
        print(f"{name + ' ratio prep.':18} "
              f"{ours['compiles_per_second'] / python['compiles_per_second']:11.0f}x "
              f"{ours['prepared_renders_per_second'] / python['renders_per_second']:11.1f}x")
        print(f"{name + ' ratio json':18} {'':12} "
              f"{ours['renders_per_second'] / python['renders_per_second']:11.1f}x")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
