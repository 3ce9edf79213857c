#!/usr/bin/env bash
# Configures and builds mlq into build/ (or $MLQ_BUILD_DIR). Incremental.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MLQ_BUILD_DIR:-$root/build}
jobs=${MLQ_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${MLQ_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build" -j "$jobs"
echo "build: binaries in $build/daemon/mlqd and $build/cli/mlq"
