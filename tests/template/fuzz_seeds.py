#!/usr/bin/python3
"""Writes the differential suite's templates as a libFuzzer seed corpus, one file per case.

Usage: fuzz_seeds.py OUTPUT_DIRECTORY
"""
import glob
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "differential"))
from run import HERE, parse_case_file  # noqa: E402


def main():
    output = sys.argv[1]
    os.makedirs(output, exist_ok=True)
    count = 0
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.cases"))):
        for case in parse_case_file(path):
            data = case.template.encode("utf-8")
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(output, name), "wb") as handle:
                handle.write(data)
            count += 1
    print(f"{count} seeds written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
