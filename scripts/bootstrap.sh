#!/usr/bin/env bash
# Installs the Debian 12 packages runhook needs to build, test and run its demo.
# Idempotent, and quick when everything is already installed (one dpkg-query).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libsqlite3-dev nlohmann-json3-dev libcpp-httplib-dev libssl-dev
  zlib1g-dev libbrotli-dev libzstd-dev libpq-dev postgresql
  pybind11-dev python3-pybind11 python3-dev python3-pytest python3-jinja2
  python3-numpy python3-torch  # torch: about 940 MB; the Python seed example trains on it
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libspdlog-dev libfmt-dev
  libjs-chart.js chromium wrk hyperfine valgrind curl
)

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
