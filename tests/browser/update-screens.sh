#!/usr/bin/env bash
# Re-takes the screenshots of the web page (docs/screens/*.png, shown in
# README.md) by running the browser tests, which save a PNG of each screen,
# and copies them into docs/screens/.
# Usage: tests/browser/update-screens.sh [BUILD_DIR]   (default: build)
# Needs what the tests need: deploy/install-deps.sh --test, and a build of
# mlqd, mlq and integration_tests in BUILD_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
status=0
MLQ_WEB_SCREENS="$shots" "$build/tests/integration_tests" --gtest_filter='WebBrowserTest.*' ||
  status=$?
mkdir -p "$root/docs/screens"
# The screens the README shows (the others are for looking at by hand).
copied=0
for name in search message message-375-dark live overview login; do
  if [[ -f "$shots/$name.png" ]]; then
    cp "$shots/$name.png" "$root/docs/screens/$name.png"
    copied=$((copied + 1))
  else
    echo "update-screens: no $name.png (its scenario failed before it)" >&2
    status=1
  fi
done
echo "update-screens: copied $copied screens to docs/screens/"
[[ $status -eq 0 ]] || echo "update-screens: some browser tests failed: check the screens" >&2
exit $status
