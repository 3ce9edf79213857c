#!/usr/bin/env bash
# Set-up command 2: installs dependencies (with the programs tests start),
# builds, runs the whole test suite with ctest, then every fuzz target for a
# short time. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MLQ_BUILD_DIR:-$root/build}
"$root/deploy/install-deps.sh" --test
"$root/deploy/build.sh"
cd "$build"
ctest --output-on-failure -j "${MLQ_JOBS:-$(nproc)}" --timeout 900

# Fuzzing (fuzz/README.md): every libFuzzer target (ASan, UBSan) for
# MLQ_FUZZ_SECONDS (default 20) on its seed corpus, built with clang-14 in
# its own folder (build-fuzz/). Anything found fails the run; the input is
# kept in build-fuzz/ci/crashes/. MLQ_FUZZ_SECONDS=0 skips it (not under CI).
fuzz_seconds=${MLQ_FUZZ_SECONDS:-20}
if [[ "$fuzz_seconds" == 0 && "${CI:-}" == "true" ]]; then
  echo "test: MLQ_FUZZ_SECONDS=0 is not allowed under CI=true" >&2
  exit 1
fi
if [[ "$fuzz_seconds" != 0 ]]; then
  "$root/fuzz/campaign.sh" --time "$fuzz_seconds" --build "$root/build-fuzz" \
    --out "$root/build-fuzz/ci" --fresh
fi
