#!/usr/bin/env bash
# mlqd at 100M stored lines (issue 16): ingest rate, RSS over the run, and
# lookup latencies at a size bench/run.sh cannot reach (its generator frames
# the whole stream in memory first: 100M lines did not fit in 24 GiB).
#
#   bash bench/big.sh [--lines N] [--keys K] [--settle S] [--build-dir DIR] [--keep]
#
# mlq-loadgen --stdout --with-pri streams the run.sh stream (10 hosts, the
# same seed) into mlqd's TCP listener as it generates it (one connection,
# LF framing, through bash's /dev/tcp); mlq-benchq waits until mlqd has
# stored every line while sampling its RSS; then mlqd is restarted on the
# store (what a lookup meets after a restart) and Find/Trace are timed over
# gRPC for K keys of finished messages, and whole `mlq` processes for K/10;
# then, after S seconds without load (compactions catch up, default 300),
# the gRPC lookups once more. RocksDB's memory (mlq_rocksdb_memory_bytes:
# memtables, table readers, block cache) is read from /metrics when the
# ingest ends and after the lookups, with the restarted mlqd's RSS then.
# Needs the Release binaries (bench/run.sh builds them into build-bench/)
# and about 14 GB of disk per 100M lines. Prints one markdown table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

lines=100000000
nkeys=1000
settle=300
build=${MLQ_BENCH_BUILD_DIR:-$root/build-bench}
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --lines) lines=$2; shift ;;
    --keys) nkeys=$2; shift ;;
    --settle) settle=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "big.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mlqd_bin=$build/daemon/mlqd
mlq_bin=$build/cli/mlq
loadgen=$build/bench/mlq-loadgen
benchq=$build/bench/mlq-benchq
for b in "$mlqd_bin" "$mlq_bin" "$loadgen" "$benchq"; do
  [[ -x $b ]] || { echo "big.sh: $b missing (bash bench/run.sh --only micro builds it)" >&2; exit 2; }
done
make_work big

log "mlqd on $work/data; streaming $lines lines"
# rocks_memory LOG -> "memtables=B table_readers=B block_cache=B" from /metrics
rocks_memory() {
  curl -fsS "http://127.0.0.1:$(mlqd_port "$1" http)/metrics" |
    sed -n 's/^mlq_rocksdb_memory_bytes{kind="\([a-z_]*\)"} \([0-9.e+]*\)$/\1=\2/p' |
    awk '{ split($0, kv, "="); printf "%s%s=%.0f", (NR > 1 ? " " : ""), kv[1], kv[2] }'
}
start_mlqd "$work/mlqd.log" "$work/data" --syslog-tcp 127.0.0.1:0 --grpc 127.0.0.1:0 \
  --http 127.0.0.1:0
tcp=$(mlqd_port "$work/mlqd.log" tcp)
cpu0=$(kv "$("$benchq" proc --pid "$mlqd_pid")" cpu_s)
t0=$(date +%s.%N)
( "$loadgen" --stdout --with-pri -n "$lines" --hosts 10 --keys "$nkeys" \
    --keys-out "$work/keys.tsv" >"/dev/tcp/127.0.0.1/$tcp" ) &
lg=$!
res=$("$benchq" wait-stored --server "$mlqd_grpc" --count "$lines" --timeout $((lines / 20000 + 600)) \
  --idle 120 --pid "$mlqd_pid" --interval-ms 200 || true)
t1=$(date +%s.%N)
wait "$lg" || { echo "big.sh: the generator failed" >&2; exit 1; }
stored=$(kv "$res" count)
cpu1=$(kv "$("$benchq" proc --pid "$mlqd_pid")" cpu_s)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
rate=$(awk -v n="$stored" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$stored" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
log "stored $stored of $lines in ${secs}s: $rate lines/s, $cpu_m CPU s per 1M lines; $res"
mem_ingest=$(rocks_memory "$work/mlqd.log" || echo "unavailable")
log "RocksDB memory after the ingest: $mem_ingest"
stop_pid "$mlqd_pid" 300

start_mlqd "$work/mlqd2.log" "$work/data" --syslog-tcp 127.0.0.1:0 --grpc 127.0.0.1:0 \
  --http 127.0.0.1:0
store_bytes=$("$mlq_bin" --server "$mlqd_grpc" status --json | jq -r .store_bytes)
declare -A grpc cli
for kind in message-id queue-id address trace; do
  grpc[$kind]=$("$benchq" lookup --server "$mlqd_grpc" --keys "$work/keys.tsv" --kind "$kind" \
    --count "$nkeys")
  log "grpc $kind: ${grpc[$kind]}"
done
for spec in "message-id 1 find --message-id" "queue-id 2 find --queue-id" \
  "address 4 find --address" "trace 1 trace --message-id"; do
  read -r kind col cmd opt <<<"$spec"
  cli[$kind]=$("$benchq" exec --keys "$work/keys.tsv" --column "$col" --count $((nkeys / 10)) -- \
    "$mlq_bin" --server "$mlqd_grpc" "$cmd" "$opt" "{}")
  log "cli $kind: ${cli[$kind]}"
done
declare -A settled
if [[ $settle -gt 0 ]]; then
  log "idle for ${settle}s, then the gRPC lookups again"
  sleep "$settle"
  for kind in message-id queue-id address trace; do
    settled[$kind]=$("$benchq" lookup --server "$mlqd_grpc" --keys "$work/keys.tsv" --kind "$kind" \
      --count "$nkeys")
    log "settled grpc $kind: ${settled[$kind]}"
  done
fi
mem_lookups=$(rocks_memory "$work/mlqd2.log" || echo "unavailable")
rss_lookups=$(kv "$("$benchq" proc --pid "$mlqd_pid")" rss_kb)
log "RocksDB memory after the lookups: $mem_lookups; RSS $rss_lookups kB"
stop_pid "$mlqd_pid" 300
disk=$(du -sb "$work/data" | cut -f1)
ms() { awk '{ printf "%.2f", $1 / 1000 }' <<<"$1"; }

echo
echo "| $stored lines, $(date -u +%F) | value |"
echo "|---|---|"
echo "| TCP ingest, 1 connection (lines/s) | $rate |"
echo "| mlqd CPU s per 1M lines | $cpu_m |"
echo "| mlqd peak RSS (MiB); RSS at 25/50/75/100 % (kB) | $(( $(kv "$res" hwm_kb) / 1024 )); $(kv "$res" rss_kb_25_50_75_100) |"
echo "| RocksDB memory (bytes) after the ingest; after the lookups (RSS $rss_lookups kB) | $mem_ingest; $mem_lookups |"
echo "| store bytes per line: status store_bytes; du of the folder | $(awk -v b="$store_bytes" -v n="$stored" 'BEGIN { printf "%.1f", b / n }'); $(awk -v b="$disk" -v n="$stored" 'BEGIN { printf "%.1f", b / n }') |"
for kind in message-id queue-id address trace; do
  r=${grpc[$kind]}
  echo "| $kind, gRPC p50 / p99 / max (ms), n=$(kv "$r" n), $(kv "$r" records_avg) records | $(ms "$(kv "$r" p50_us)") / $(ms "$(kv "$r" p99_us)") / $(ms "$(kv "$r" max_us)") |"
done
if [[ $settle -gt 0 ]]; then
  for kind in message-id queue-id address trace; do
    r=${settled[$kind]}
    echo "| $kind, gRPC after ${settle}s idle, p50 / p99 / max (ms) | $(ms "$(kv "$r" p50_us)") / $(ms "$(kv "$r" p99_us)") / $(ms "$(kv "$r" max_us)") |"
  done
fi
for kind in message-id queue-id address trace; do
  r=${cli[$kind]}
  echo "| $kind, whole mlq process p50 / p99 (ms) | $(kv "$r" p50_us | awk '{ printf "%.1f", $1 / 1000 }') / $(kv "$r" p99_us | awk '{ printf "%.1f", $1 / 1000 }') |"
done
