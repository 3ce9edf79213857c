#!/usr/bin/env bash
# Set-up command 2: installs dependencies (with the programs tests start),
# builds, and runs the whole test suite with ctest. Exits non-zero on any
# failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MLQ_BUILD_DIR:-$root/build}
"$root/deploy/install-deps.sh" --test
"$root/deploy/build.sh"
cd "$build"
ctest --output-on-failure -j "${MLQ_JOBS:-$(nproc)}" --timeout 900
