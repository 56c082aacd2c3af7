#!/usr/bin/env bash
# Runs every runhook test from a fresh Debian 12 clone: installs the packages, builds, runs the
# whole suite (unit, differential, end-to-end), then builds the C++ tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs them. Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

echo "== build (build/)"
scripts/build.sh

echo "== tests (build/)"
ctest --test-dir build --output-on-failure -j2 --timeout 600

echo "== C++ tests under ASan + UBSan (build-asan/)"
if [[ ! -f build-asan/build.ninja ]]; then
  cmake -S . -B build-asan -G Ninja -DPython_EXECUTABLE=/usr/bin/python3 \
    -DCMAKE_BUILD_TYPE=Debug -DRUNHOOK_SANITIZE=ON -DRUNHOOK_BUILD_BENCH=OFF >/dev/null
fi
ninja -C build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The Python-driven suites (end-to-end, template differential) run once, in build/ above.
ctest --test-dir build-asan --output-on-failure -j2 --timeout 900 -LE e2e -E '^template_(differential|property)$'
