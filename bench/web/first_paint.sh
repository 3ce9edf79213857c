#!/usr/bin/env bash
# First paint of a message page over a big store: builds (or reuses) a store
# of realistic Postfix/amavis/Dovecot lines from bench/loadgen (10 million by
# default, as `bench/run.sh --big`), starts mlqd on it with --http, and
# opens a message page RUNS times in Debian's Chromium (a fresh browser
# context each time, a message of the loadgen's keys each time) measuring
# navigation start -> first-contentful-paint and -> every verdict card of
# the message rendered. Prints a table with the median and p90.
# Not a test (not in ctest): a benchmark, docs/PERFORMANCE.md reports it.
#
#   bench/web/first_paint.sh [--build DIR] [--lines N] [--runs N] [--store DIR]
#                            [--store-only]
#
# Needs deploy/install-deps.sh --test (chromium, node, npm); installs the
# browser tests' playwright-core (tests/browser, npm ci) when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
lines=10000000
runs=15
store=""
store_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift ;;
    --lines) lines=$2; shift ;;
    --runs) runs=$2; shift ;;
    --store) store=$2; shift ;;
    --store-only) store_only=1 ;;
    *) echo "first_paint: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
store=${store:-${TMPDIR:-/tmp}/mlq-web-bench-$lines}
mlqd=$build/daemon/mlqd
loadgen=$build/bench/mlq-loadgen
mlq=$build/cli/mlq
for t in mlqd mlq mlq-loadgen; do
  case $t in mlqd) f=$mlqd ;; mlq) f=$mlq ;; *) f=$loadgen ;; esac
  [[ -x $f ]] || cmake --build "$build" -j "${MLQ_JOBS:-1}" --target "$t" >&2
done
log() { echo "first_paint: $*" >&2; }
port_of() {  # LOG WHAT -> port of "mlqd: listening WHAT ADDR:PORT"
  sed -n "s/^mlqd: listening $2 .*:\([0-9]*\)$/\1/p" "$1" | head -1
}

pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; true; }
trap cleanup EXIT

start_mlqd() {  # extra args...
  : >"$store/mlqd.log"
  "$mlqd" --data "$store/data" --syslog-udp "" --syslog-relp "" --syslog-tcp 127.0.0.1:0 \
    --grpc 127.0.0.1:0 --timezone UTC "$@" 2>"$store/mlqd.log" &
  pid=$!
  for _ in $(seq 600); do
    grep -q "mlqd: ready" "$store/mlqd.log" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$store/mlqd.log" >&2; exit 1; }
    sleep 0.1
  done
  log "mlqd did not start"; cat "$store/mlqd.log" >&2; exit 1
}
stored() {
  "$mlq" --server "127.0.0.1:$(port_of "$store/mlqd.log" grpc)" status --json |
    sed -n 's/.*"stored": *"\{0,1\}\([0-9]*\).*/\1/p'
}

if [[ ! -f $store/complete ]]; then
  log "building a store of $lines lines in $store (loadgen, TCP, 1 connection)"
  rm -rf "$store"
  mkdir -p "$store"
  start_mlqd
  t0=$(date +%s)
  "$loadgen" -n "$lines" --hosts 10 --keys 50 --keys-out "$store/keys.tsv" --proto tcp \
    --target "127.0.0.1:$(port_of "$store/mlqd.log" tcp)" -c 1 >"$store/loadgen.out"
  while [[ "$(stored)" != "$lines" ]]; do sleep 2; done
  log "stored $lines lines in $(($(date +%s) - t0)) s"
  kill "$pid"; wait "$pid" || true; pid=""
  touch "$store/complete"
else
  log "reusing the store of $lines lines in $store"
fi
[[ $store_only -eq 1 ]] && exit 0

# Without a token file mlqd serves the page and the API on loopback with no
# login, so the measurement is the page and the trace alone.
start_mlqd --http 127.0.0.1:0
http=$(port_of "$store/mlqd.log" http)
grep -q "^mlqd: store .*: $lines records$" "$store/mlqd.log" ||
  { log "the store does not hold $lines records:"; head -1 "$store/mlqd.log" >&2; exit 1; }

dir=$root/tests/browser
if [[ ! -f $dir/node_modules/playwright-core/package.json ]]; then
  npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi
node "$root/bench/web/first_paint.mjs" "http://127.0.0.1:$http/" "$store/keys.tsv" "$runs" "$lines"
