#!/usr/bin/python3
"""Differential test: runhook's template engine against Python's Jinja2 (the oracle).

Every case in cases/*.cases is rendered by Jinja2 (Debian's python3-jinja2, run with
/usr/bin/python3) and by runhook through `runhook template render --jsonl`. A case passes when
both produce the same bytes, or both fail with the same exception type. Each case is also
rendered by runhook against a PreparedContext, which must give exactly the same result line.

Case file format:
    # comment                      ignored
    @context {"x": 1}              context for the following cases (JSON object)
    @undefined strict              default | chainable | strict, for the following cases
    @options trim_blocks ...       trim_blocks, lstrip_blocks, keep_trailing_newline
    @reset                         back to an empty context, default undefined, no options
    @differs <reason>              the next case is a documented difference: both sides run,
                                   the result is reported but does not fail the suite
    {{ x + 1 }}                    any other non-empty line: a one-line template
    >>>                            a multi-line template, up to a line holding only <<<
    ...
    <<<

Usage: run.py --runhook PATH [--verbose] [--filter SUBSTRING] [CASE_FILE ...]
Exit status 0 when every (non-@differs) case matches.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import jinja2
from jinja2.sandbox import SandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
UNDEFINED = {
    "default": jinja2.Undefined,
    "chainable": jinja2.ChainableUndefined,
    "strict": jinja2.StrictUndefined,
}
OPTION_NAMES = ("trim_blocks", "lstrip_blocks", "keep_trailing_newline")


class Case:
    def __init__(self, source, line, template, context, undefined, options, differs):
        self.source, self.line = source, line
        self.template, self.context = template, context
        self.undefined, self.options, self.differs = undefined, options, differs

    @property
    def where(self):
        return f"{os.path.basename(self.source)}:{self.line}"


def parse_case_file(path):
    cases = []
    context, undefined, options, differs = {}, "default", {}, None
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        number = index + 1
        index += 1
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@context "):
            context = json.loads(line[len("@context "):])
            continue
        if line.startswith("@undefined "):
            undefined = line.split()[1]
            continue
        if line.startswith("@options"):
            options = {name: True for name in line.split()[1:]}
            assert all(name in OPTION_NAMES for name in options), line
            continue
        if line.strip() == "@reset":
            context, undefined, options = {}, "default", {}
            continue
        if line.startswith("@differs"):
            differs = line[len("@differs"):].strip() or "documented difference"
            continue
        if line == ">>>":
            body = []
            while lines[index] != "<<<":
                body.append(lines[index])
                index += 1
            index += 1
            template = "\n".join(body)
        else:
            template = line
        cases.append(Case(path, number, template, context, undefined, dict(options), differs))
        differs = None
    return cases


def oracle(case, environments):
    key = (case.undefined, tuple(sorted(case.options)))
    if key not in environments:
        environments[key] = SandboxedEnvironment(
            undefined=UNDEFINED[case.undefined],
            extensions=["jinja2.ext.loopcontrols"],
            **case.options,
        )
    try:
        return {"output": environments[key].from_string(case.template).render(case.context)}
    except Exception as error:  # the oracle's exception type is the expected result
        return {"error": {"type": type(error).__name__, "message": str(error)}}


def run_engine(runhook, cases, prepared=False):
    """runhook's result line per case; `prepared` renders through a PreparedContext."""
    lines = []
    for case in cases:
        request = {"template": case.template, "context": case.context, "undefined": case.undefined}
        if case.options:
            request["options"] = case.options
        if prepared:
            request["prepared"] = True
        lines.append(json.dumps(request))
    completed = subprocess.run([runhook, "template", "render", "--jsonl"],
                               input="\n".join(lines) + "\n", capture_output=True, text=True,
                               timeout=600)
    if completed.returncode != 0:
        sys.exit(f"runhook failed ({completed.returncode}): {completed.stderr}")
    results = [json.loads(line) for line in completed.stdout.split("\n") if line]
    if len(results) != len(cases):
        sys.exit(f"runhook answered {len(results)} lines for {len(cases)} cases")
    return results


def same(expected, actual):
    if "output" in expected:
        return actual.get("output") == expected["output"]
    return "error" in actual and actual["error"]["type"] == expected["error"]["type"]


def describe(result):
    if "output" in result:
        return "output " + repr(result["output"])
    return f"{result['error']['type']}: {result['error']['message']}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runhook", required=True)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--filter", default="")
    parser.add_argument("files", nargs="*")
    arguments = parser.parse_args()
    files = arguments.files or sorted(glob.glob(os.path.join(HERE, "cases", "*.cases")))
    cases = [case for path in files for case in parse_case_file(path)
             if arguments.filter in case.template]
    environments = {}
    expected = [oracle(case, environments) for case in cases]
    actual = run_engine(arguments.runhook, cases)
    # Rendering against a PreparedContext must give the very same line (output, undefined names,
    # error type and message) as rendering against the JSON, for every case.
    actual_prepared = run_engine(arguments.runhook, cases, prepared=True)
    passed = failed = differs_matching = differs_differing = 0
    for case, got, got_prepared in zip(cases, actual, actual_prepared):
        if got != got_prepared:
            failed += 1
            print(f"FAIL {case.where} (prepared context): {case.template!r}")
            print(f"  json:     {got}")
            print(f"  prepared: {got_prepared}")
    for case, want, got in zip(cases, expected, actual):
        ok = same(want, got)
        if case.differs:
            differs_matching += ok
            differs_differing += not ok
            if arguments.verbose and not ok:
                print(f"DIFFERS {case.where} ({case.differs}): {case.template!r}")
            continue
        if ok:
            passed += 1
            continue
        failed += 1
        print(f"FAIL {case.where}: {case.template!r}")
        print(f"  jinja2:  {describe(want)}")
        print(f"  runhook: {describe(got)}")
    print(f"{len(cases)} cases: {passed} passed, {failed} failed, "
          f"{differs_matching + differs_differing} documented differences "
          f"({differs_differing} still differ)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
