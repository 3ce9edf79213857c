#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (LeakSanitizer included): configures a sanitizer build (-DMLQ_SANITIZE=ON:
# every library, mlqd, mlq, the tests and benchmarks with
# -fsanitize=address,undefined, findings fatal; see the top CMakeLists.txt),
# builds it and runs every ctest test in it. Not part of CI: a build from
# scratch and the run take half an hour or more on the 2-core VM
# (tests/README.md has the figures).
#
# Usage: tests/sanitize.sh [--build DIR] [--jobs N] [--no-build] [-- CTEST ARGS]
#
#   --build DIR  build folder (default build-asan, or $MLQ_ASAN_BUILD_DIR)
#   --jobs N     build jobs and parallel tests (default $MLQ_JOBS or nproc)
#   --no-build   run the tests of the folder as it is
#   CTEST ARGS   passed on to ctest, e.g. -- -R FlowControl
#
# ASAN_OPTIONS and UBSAN_OPTIONS already in the environment are appended to
# the defaults below (the later setting of an option wins). Set
# CMAKE_CXX_COMPILER_LAUNCHER=ccache in the environment to use ccache.
# Exit status: 0 when every test passed, non-zero on a build error or any
# failed test (a sanitizer finding makes its process exit non-zero).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MLQ_ASAN_BUILD_DIR:-$root/build-asan}
jobs=${MLQ_JOBS:-$(nproc)}
do_build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$(realpath -m "$2"); shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "sanitize: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# detect_leaks: LeakSanitizer at every process exit (the default on x86-64
# Linux, stated so that it stays on). check_initialization_order: static
# initializers reading another file's globals before they are initialized.
# The quarantine keeps its default (256 MiB); FlowControlTest's memory bound
# counts it. print_stacktrace: UBSan reports with a stack.
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:halt_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

start=$(date +%s)
if [[ $do_build == 1 ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DMLQ_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE="${MLQ_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
  nice cmake --build "$build" -j "$jobs"
fi
if ! grep -q '^MLQ_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "sanitize: $build is not a -DMLQ_SANITIZE=ON build" >&2
  exit 2
fi
built=$(date +%s)
echo "sanitize: ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
cd "$build"
status=0
# Tests are several times slower under ASan (FlowControlTest's flood: 8 s
# without, 16-46 s with); the per-test timeouts of tests/CMakeLists.txt
# apply, --timeout covers tests without one.
nice ctest --output-on-failure -j "$jobs" --timeout 1800 "$@" || status=$?
end=$(date +%s)
echo "sanitize: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo ' with local changes'):" \
  "build $((built - start)) s, tests $((end - built)) s, exit status $status"
exit "$status"
