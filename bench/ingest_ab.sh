#!/usr/bin/env bash
# TCP ingest of mlqd variants side by side (and rsyslog as the yardstick):
# the same generated stream as bench/run.sh, over 1 and N connections, the
# variants interleaved per round (A, B, rsyslog; then B, A, rsyslog; ...),
# medians of the rounds. For comparing mlqd flags on one binary, e.g. the
# receive threads:
#
#   bash bench/ingest_ab.sh --variants "io1=--io-threads 1;io2=--io-threads 2"
#
# A variant whose flags start with @PATH runs the mlqd binary at PATH (two
# builds side by side, e.g. before and after a change):
#
#   bash bench/ingest_ab.sh --variants "old=@/tmp/old/build-bench/daemon/mlqd;new="
#
# Options:
#   --build-dir DIR   mlqd, mlq-loadgen, mlq-benchq from here (default build-bench)
#   --variants SPEC   "NAME=FLAGS;NAME=FLAGS..." (default io1 vs io-default)
#   --lines N         lines per run (default 1000000)
#   --conns LIST      connection counts (default "1 10")
#   --rounds N        rounds (default 3)
#   --no-rsyslog      leave rsyslog out
#   --keep            keep the work folder ($MLQ_BENCH_DIR or /tmp)
#
# Per run: lines/s = lines / (first send -> Status `stored` reaches them,
# polled every 20 ms; rsyslog: its output file has them), daemon CPU s per
# 1M lines (utime+stime from /proc/PID/stat), peak RSS (VmHWM), bytes on
# disk per line after the daemon stopped (du -sb of mlqd's data folder,
# rsyslog's output file). mlqd runs with its defaults
# (--sync-writes true) plus the variant's flags. Everything it starts is
# stopped on exit; every wait is bounded.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MLQ_BENCH_BUILD_DIR:-$root/build-bench}
variants="io1=--io-threads 1;iodef="
lines=1000000
conns_list="1 10"
rounds=3
with_rsyslog=1
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$2; shift ;;
    --variants) variants=$2; shift ;;
    --lines) lines=$2; shift ;;
    --conns) conns_list=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --no-rsyslog) with_rsyslog=0 ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "ingest_ab.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mlqd_bin=$build/daemon/mlqd
loadgen=$build/bench/mlq-loadgen
benchq=$build/bench/mlq-benchq
for b in "$mlqd_bin" "$loadgen" "$benchq"; do
  [[ -x $b ]] || { echo "ingest_ab.sh: $b missing (build mlqd mlq-loadgen mlq-benchq)" >&2; exit 1; }
done
rsyslogd_bin=$(command -v rsyslogd || true)
[[ -z $rsyslogd_bin && -x /usr/sbin/rsyslogd ]] && rsyslogd_bin=/usr/sbin/rsyslogd
[[ -z $rsyslogd_bin ]] && with_rsyslog=0

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
make_work ingest-ab
hosts=10

IFS=';' read -r -a specs <<<"$variants"
names=()
declare -A flags
for spec in "${specs[@]}"; do
  names+=("${spec%%=*}")
  flags[${spec%%=*}]=${spec#*=}
done
[[ $with_rsyslog -eq 1 ]] && names+=(rsyslog)

log "generating $lines lines (seed 1, $hosts hosts)"
"$loadgen" --stdout -n "$lines" --hosts "$hosts" >"$work/raw.log"
raw_bytes=$(stat -c %s "$work/raw.log")

# run NAME CONNS -> appends "NAME CONNS rate cpu_per_m" to $results
run() {
  local name=$1 conns=$2 dir=$work/run
  rm -rf "$dir"
  mkdir -p "$dir"
  local pid grpc="" port
  if [[ $name == rsyslog ]]; then
    port=$("$benchq" free-port)
    write_rsyslog_conf "$dir" "$port"
    "$rsyslogd_bin" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" >"$dir/daemon.log" 2>&1 &
    pid=$!
    wait_for 30 bash -c "ss -ltnH 'sport = :$port' | grep -q LISTEN" ||
      { cat "$dir/daemon.log" >&2; exit 1; }
  else
    local vflags=${flags[$name]} default_bin=$mlqd_bin
    if [[ $vflags == @* ]]; then  # @PATH: another mlqd binary
      mlqd_bin=${vflags%% *} && mlqd_bin=${mlqd_bin#@}
      vflags=${vflags#"@$mlqd_bin"}
      [[ -x $mlqd_bin ]] || { echo "ingest_ab.sh: $mlqd_bin missing" >&2; exit 1; }
    fi
    # shellcheck disable=SC2086  # the variant's flags split into words
    start_mlqd "$dir/daemon.log" "$dir/data" --syslog-tcp 127.0.0.1:0 --syslog-udp "" \
      --grpc 127.0.0.1:0 $vflags
    mlqd_bin=$default_bin
    pid=$mlqd_pid grpc=$mlqd_grpc
    port=$(mlqd_port "$dir/daemon.log" tcp)
  fi
  local cpu0
  cpu0=$(kv "$("$benchq" proc --pid "$pid")" cpu_s)
  "$loadgen" -n "$lines" --hosts "$hosts" --proto tcp --target "127.0.0.1:$port" -c "$conns" \
    --start-file "$dir/start" >"$dir/loadgen.out" 2>&1 &
  local lg=$!
  wait_for 600 test -s "$dir/start" || { cat "$dir/loadgen.out" >&2; exit 1; }
  local timeout=$((lines / 5000 + 120)) res
  if [[ $name == rsyslog ]]; then
    res=$("$benchq" wait-file --path "$dir/out.log" --bytes "$raw_bytes" --count "$lines" \
      --timeout "$timeout" --idle 0 --pid "$pid" --interval-ms 20 || true)
  else
    res=$("$benchq" wait-stored --server "$grpc" --count "$lines" --timeout "$timeout" \
      --idle 0 --pid "$pid" --interval-ms 20 || true)
  fi
  wait "$lg" || log "loadgen failed: $(cat "$dir/loadgen.out")"
  local start end count cpu1 rate cpu_m hwm
  start=$(cat "$dir/start")
  end=$(kv "$res" end_us)
  count=$(kv "$res" count)
  cpu1=$(kv "$res" cpu_s)
  hwm=$(( $(kv "$res" hwm_kb) / 1024 ))
  rate=$(awk -v n="$count" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", (b > a ? n / ((b - a) / 1e6) : 0) }')
  cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$count" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / n * 1e6 : 0) }')
  log "  $name, $conns conn: $count/$lines lines, $rate lines/s, ${cpu_m} CPU s/1M lines, peak RSS ${hwm} MiB"
  [[ $count -eq $lines ]] || log "  WARNING: $name stored $count of $lines lines"
  stop_pid "$pid" 120
  # Bytes on disk per line once the daemon has stopped: mlqd's whole data
  # folder (table files, WAL, RocksDB's own files), rsyslog's output file.
  local bytes_line
  bytes_line=$(du -sb "$dir/$([[ $name == rsyslog ]] && echo out.log || echo data)" |
    awk -v n="$count" '{ printf "%.1f", (n > 0 ? $1 / n : 0) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$conns" "$rate" "$cpu_m" "$hwm" "$bytes_line" >>"$results"
  rm -rf "$dir"
}

for round in $(seq 1 "$rounds"); do
  # Alternate the order of the mlqd variants per round; rsyslog last.
  order=("${names[@]}")
  if [[ $((round % 2)) -eq 0 ]]; then
    order=()
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do
      [[ ${names[i]} == rsyslog ]] || order+=("${names[i]}")
    done
    [[ $with_rsyslog -eq 1 ]] && order+=(rsyslog)
  fi
  for conns in $conns_list; do
    log "round $round/$rounds, $conns connection(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
    for name in "${order[@]}"; do run "$name" "$conns"; done
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| variant | connections | lines/s (median of $rounds) | CPU s per 1M lines | peak RSS MiB | disk bytes per line after stop | runs (lines/s) |"
echo "|---|---|---|---|---|---|---|"
for conns in $conns_list; do
  for name in "${names[@]}"; do
    r=$(awk -F'\t' -v n="$name" -v c="$conns" '$1 == n && $2 == c { print $3 }' "$results")
    c=$(awk -F'\t' -v n="$name" -v c="$conns" '$1 == n && $2 == c { print $4 }' "$results")
    m=$(awk -F'\t' -v n="$name" -v c="$conns" '$1 == n && $2 == c { print $5 }' "$results")
    b=$(awk -F'\t' -v n="$name" -v c="$conns" '$1 == n && $2 == c { print $6 }' "$results")
    echo "| $name ${flags[$name]:-} | $conns | $(median <<<"$r") | $(median <<<"$c") | $(median <<<"$m") | $(median <<<"$b") | $(echo $r | tr ' ' '/') |"
  done
done
