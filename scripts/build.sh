#!/usr/bin/env bash
# Configures and builds runhook into build/ (Ninja, RelWithDebInfo). Outputs: build/bin/runhook,
# build/bin/seed-train, the tests and benchmarks. Usage: scripts/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DPython_EXECUTABLE=/usr/bin/python3 "$@" >/dev/null
fi
ninja -C "$BUILD_DIR" ${NINJA_FLAGS:-}
