#!/usr/bin/env bash
# RELP vs plain TCP from a real rsyslogd to mlqd, side by side in one run.
#
#   bash bench/relp.sh                 # 300k lines, 3 interleaved rounds
#   bash bench/relp.sh --lines 100000 --rounds 5
#
# A private rsyslogd (own config, work folder and ports; never the system
# logger) reads the generated stream (mlq-loadgen, one TCP connection) on an
# imtcp input and forwards it to mlqd (--sync-writes true) through
#   relp: omrelp with deploy/rsyslog-omrelp.conf's action settings
#         (RSYSLOG_SyslogProtocol23Format, LinkedList queue with a queue file,
#         saveOnShutdown, resumeRetryCount -1, resumeInterval 5), or
#   tcp:  omfwd protocol="tcp" with the same template and queue settings.
# Rate = lines / (mlq-loadgen's first send -> mlqd's Status RPC reports all
# lines stored), polled every 20 ms by mlq-benchq wait-stored; mlqd CPU =
# utime+stime from /proc/PID/stat over the same span. A fresh mlqd and
# rsyslogd per run; variants alternate (relp,tcp then tcp,relp, ...); the
# summary gives medians and the ratio relp/tcp.
#
# Options:
#   --lines N        lines per run (default 300000)
#   --rounds N       rounds, each runs every variant (default 3)
#   --variants LIST  comma-separated: relp, tcp, relp-wN (omrelp with
#                    windowSize="N": acknowledgements in flight; librelp's
#                    default is 128) (default relp,tcp)
#   --build-dir DIR  binaries (default build-bench, or $MLQ_BENCH_BUILD_DIR)
#   --build          build mlqd mlq mlq-loadgen mlq-benchq there first (nice, -j1)
#   --keep           keep the work folder ($MLQ_BENCH_DIR or /tmp)
#
# Needs rsyslogd and omrelp (deploy/install-test-senders.sh: rsyslog,
# rsyslog-relp). Everything started is a job of this script, killed on exit;
# every wait is bounded.
set -euo pipefail

root=${MLQ_BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build=${MLQ_BENCH_BUILD_DIR:-$root/build-bench}
lines=300000
rounds=3
variants=relp,tcp
do_build=0
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lines) lines=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --variants) variants=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --build) do_build=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "relp.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # log, kv, wait_for, stop_pid, start_mlqd, make_work

if [[ $do_build -eq 1 ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLQ_BUILD_TESTS=OFF >/dev/null
  nice ninja -C "$build" -j1 mlqd mlq mlq-loadgen mlq-benchq >&2
fi
mlqd_bin=$build/daemon/mlqd
mlq_bin=$build/cli/mlq
loadgen=$build/bench/mlq-loadgen
benchq=$build/bench/mlq-benchq
for b in "$mlqd_bin" "$mlq_bin" "$loadgen" "$benchq"; do
  [[ -x $b ]] || { echo "relp.sh: $b missing (build with --build)" >&2; exit 1; }
done
rsyslogd_bin=${MLQ_RSYSLOGD:-/usr/sbin/rsyslogd}
omrelp=${MLQ_OMRELP:-/usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so}
[[ -x $rsyslogd_bin && -e $omrelp ]] ||
  { echo "relp.sh: needs rsyslogd and omrelp (deploy/install-test-senders.sh)" >&2; exit 1; }

make_work relp

port_file_ready() { [[ -s $1 ]] && grep -q '^[0-9]' "$1"; }

# One run: VARIANT (relp|tcp) TAG -> appends "variant rate cpu_per_100k" to results.
run_one() {
  local variant=$1 tag=$2
  local dir=$work/$variant.$tag
  mkdir -p "$dir/rs-work"
  start_mlqd "$dir/mlqd.log" "$dir/data" --syslog-tcp 127.0.0.1:0 --syslog-udp "" \
    --syslog-relp 127.0.0.1:0 --grpc 127.0.0.1:0 --sync-writes true
  local tcp_port relp_port grpc=$mlqd_grpc
  tcp_port=$(mlqd_port "$dir/mlqd.log" tcp)
  relp_port=$(mlqd_port "$dir/mlqd.log" relp)
  local action
  if [[ $variant == relp* ]]; then
    # deploy/rsyslog-omrelp.conf's plain-TCP action, pointed at this mlqd.
    local window=""
    [[ $variant == relp-w* ]] && window="windowSize=\"${variant#relp-w}\""
    action="action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp_port\" $window
         template=\"RSYSLOG_SyslogProtocol23Format\"
         queue.type=\"LinkedList\" queue.filename=\"mlq_fwd\" queue.saveOnShutdown=\"on\"
         action.resumeRetryCount=\"-1\" action.resumeInterval=\"5\")"
  else
    action="action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$tcp_port\" protocol=\"tcp\"
         template=\"RSYSLOG_SyslogProtocol23Format\"
         queue.type=\"LinkedList\" queue.filename=\"mlq_fwd\" queue.saveOnShutdown=\"on\"
         action.resumeRetryCount=\"-1\" action.resumeInterval=\"5\")"
  fi
  cat >"$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir/rs-work" maxMessageSize="64k" processInternalMessages="on"
       parser.permitSlashInProgramName="on")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$dir/imtcp.port")
module(load="impstats" interval="1" format="legacy" log.syslog="off" log.file="$dir/stats.log")
if \$inputname == "imtcp" then {
  $action
  stop
}
syslog.* action(type="omfile" file="$dir/rsyslog-internal.log")
EOF
  "$rsyslogd_bin" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" >"$dir/rsyslogd.log" 2>&1 &
  local rs_pid=$!
  wait_for 30 port_file_ready "$dir/imtcp.port" ||
    { cat "$dir/rsyslogd.log" >&2; echo "relp.sh: rsyslogd did not start" >&2; exit 1; }
  local rs_port cpu0
  rs_port=$(head -1 "$dir/imtcp.port")
  cpu0=$(kv "$("$benchq" proc --pid "$mlqd_pid")" cpu_s)
  "$loadgen" -n "$lines" --hosts 10 --proto tcp --target "127.0.0.1:$rs_port" -c 1 \
    --start-file "$dir/start" >"$dir/loadgen.out" 2>&1 &
  local lg=$!
  wait_for 600 test -s "$dir/start" || { cat "$dir/loadgen.out" >&2; exit 1; }
  local res
  res=$("$benchq" wait-stored --server "$grpc" --count "$lines" --timeout $((lines / 2000 + 120)) \
    --idle 0 --pid "$mlqd_pid" --interval-ms 20 || true)
  wait "$lg" || log "loadgen: $(cat "$dir/loadgen.out")"
  local start end count cpu1 secs rate cpu_100k
  start=$(cat "$dir/start")
  end=$(kv "$res" end_us)
  count=$(kv "$res" count)
  cpu1=$(kv "$res" cpu_s)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
  rate=$(awk -v n="$count" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  cpu_100k=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$count" \
    'BEGIN { printf "%.2f", (n > 0 ? (b - a) / n * 1e5 : 0) }')
  # What mlqd itself says (mlq status --json): stored, and RELP acknowledgements.
  "$mlq_bin" --server "$grpc" status --json >"$dir/status.json" 2>&1 || true
  local stored received acked
  stored=$(jq -r '.stored' "$dir/status.json" 2>/dev/null || echo "?")
  received=$(jq -c '.received' "$dir/status.json" 2>/dev/null || echo "?")
  acked=$(jq -r '.counters["listener.relp.messages.acked"] // 0' "$dir/status.json" 2>/dev/null ||
    echo "?")
  log "  $variant $tag: $count/$lines lines stored in ${secs}s = $rate lines/s;" \
    "mlqd CPU ${cpu_100k}s per 100k lines; mlq status: stored=$stored received=$received" \
    "relp acked=$acked"
  if [[ $count -lt $lines ]]; then
    # Where the rest waits: rsyslog's queues (the action queue and its
    # disk-assisted part, "[DA]") and the action, by impstats, each second.
    log "  WARNING: only $count of $lines lines stored; rsyslog's last statistics:"
    grep -E "queue|origin=core.action" "$dir/stats.log" 2>/dev/null | tail -8 >&2 || true
    cp "$dir/stats.log" "$work/stats.$variant.$tag.log" 2>/dev/null || true
  fi
  printf '%s\t%s\t%s\t%s\n' "$variant" "$rate" "$cpu_100k" "$secs" >>"$results"
  stop_pid "$rs_pid" 30
  stop_pid "$mlqd_pid" 60
  rm -rf "$dir"
}

log "RELP vs TCP: $lines lines per run, $rounds rounds, work folder $work"
log "rsyslogd $("$rsyslogd_bin" -v | head -1)"
IFS=, read -r -a vlist <<<"$variants"
for r in $(seq 1 "$rounds"); do
  # Each round starts with the next variant (relp,tcp then tcp,relp, ...).
  n=${#vlist[@]}
  for k in $(seq 0 $((n - 1))); do run_one "${vlist[$(((r - 1 + k) % n))]}" "r$r"; done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$results"; }
echo
echo "rsyslogd imtcp <- mlq-loadgen ($lines lines, 1 connection) -> mlqd --sync-writes true; medians of $rounds runs each, interleaved"
echo
echo "| forwarding | lines/s end to end (median) | runs (lines/s) | mlqd CPU s per 100k lines | ratio to tcp |"
echo "|---|---|---|---|---|"
tcp_rate=$(col tcp 2 | median)
for v in "${vlist[@]}"; do
  case "$v" in
    relp) what="omrelp (deploy/rsyslog-omrelp.conf action)" ;;
    relp-w*) what="omrelp, same, windowSize=${v#relp-w}" ;;
    tcp) what="omfwd TCP, same template and queue" ;;
    *) what=$v ;;
  esac
  rate=$(col "$v" 2 | median)
  ratio=$(awk -v a="$rate" -v b="${tcp_rate:-0}" 'BEGIN { if (b > 0) printf "%.3f", a / b }')
  echo "| $what | $rate | $(col "$v" 2 | paste -sd' ') | $(col "$v" 3 | median) | $ratio |"
done
