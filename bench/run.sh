#!/usr/bin/env bash
# The mlq benchmark: one command from a clean checkout.
#
#   bash bench/run.sh --quick          # small sizes, 1 run: a smoke check (~2 min)
#   bash bench/run.sh                  # full: 1M lines, 3 runs (medians)
#   bash bench/run.sh --big            # full plus 10M lines (ingest, lookups, storage)
#
# Installs what it needs (deploy/install-deps.sh --bench: rsyslog and syslog-ng
# are installed/unpacked without becoming the system logger), builds in
# Release (build-bench/), then measures mlqd, rsyslog (imtcp -> omfile) and
# syslog-ng (network() -> file) side by side on the same generated stream
# (bench/loadgen), and mlq's lookups against grep -F / zgrep over the same
# raw log. Prints one markdown table (medians over the runs, and ratios) and
# writes it to $WORK/results.md (and --out FILE).
#
# Options:
#   --quick            20k lines, 1 run, few keys
#   --big              also the 10M-line part (--big-lines N to change)
#   --runs N           runs per measurement (default 3)
#   --lines N          lines of the main stream (default 1000000)
#   --only LIST        comma-separated phases: micro,ingest,udp,lookup,import,big
#   --profile          perf-record mlqd during one extra TCP ingest; top symbols
#   --no-install       skip deploy/install-deps.sh --bench
#   --no-build         use the binaries already in the build folder
#   --build-dir DIR    build folder (default build-bench, or $MLQ_BENCH_BUILD_DIR)
#   --out FILE         also write the results table (markdown) here
#   --keep             keep the work folder ($MLQ_BENCH_DIR or /tmp)
#
# Everything it starts is killed on exit (trap); every wait is bounded.
set -euo pipefail

root=${MLQ_BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build=${MLQ_BENCH_BUILD_DIR:-$root/build-bench}
quick=0
big=0
runs=3
lines=1000000
big_lines=10000000
only="micro,ingest,udp,lookup,import"
profile=0
install=1
do_build=1
out_file=""
keep=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --big) big=1 ;;
    --big-lines) big_lines=$2; shift ;;
    --runs) runs=$2; shift ;;
    --lines) lines=$2; shift ;;
    --only) only=$2; shift ;;
    --profile) profile=1 ;;
    --no-install) install=0 ;;
    --no-build) do_build=0 ;;
    --build-dir) build=$2; shift ;;
    --out) out_file=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick -eq 1 ]]; then
  lines=20000
  runs=1
  big_lines=200000
fi
[[ $big -eq 1 ]] && only="$only,big"
[[ $runs -ge 1 ]] || { echo "run.sh: --runs must be >= 1" >&2; exit 2; }

# Sizes that follow from the mode.
if [[ $quick -eq 1 ]]; then
  keys=20; grep_keys=3; zgrep_keys=2; big_grep_keys=2; big_zgrep_keys=1
  udp_secs=1; udp_rates="20000 50000"; micro_time=0.05
else
  keys=200; grep_keys=20; zgrep_keys=5; big_grep_keys=5; big_zgrep_keys=3
  udp_secs=5; udp_rates="20000 50000 100000"; micro_time=0.5
fi
hosts=10  # mx1..mx10: connection i of 10 carries the lines of host i

has() { [[ ",$only," == *",$1,"* ]]; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # log, kv, wait_for, stop_pid, start_mlqd, write_rsyslog_conf, make_work

make_work bench  # $work, $results (key <TAB> value, one line per measurement); cleanup on exit

record() { printf '%s\t%s\n' "$1" "$2" >>"$results"; }

# ---- 1. install and build -------------------------------------------------------
if [[ $install -eq 1 ]]; then
  log "installing packages (deploy/install-deps.sh --bench)"
  bash "$root/deploy/install-deps.sh" --bench >&2
fi
if [[ $do_build -eq 1 ]]; then
  log "building Release into $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLQ_BUILD_TESTS=OFF \
    -DMLQ_BUILD_BENCHMARKS=ON >/dev/null
  cmake --build "$build" -j "${MLQ_JOBS:-2}" --target mlqd mlq mlq-loadgen mlq-benchq mlq-micro >&2
fi
mlqd_bin=$build/daemon/mlqd
mlq_bin=$build/cli/mlq
loadgen=$build/bench/mlq-loadgen
benchq=$build/bench/mlq-benchq
micro=$build/bench/mlq-micro
for b in "$mlqd_bin" "$mlq_bin" "$loadgen" "$benchq" "$micro"; do
  [[ -x $b ]] || { echo "run.sh: $b missing (build failed?)" >&2; exit 1; }
done

rsyslogd_bin=$(command -v rsyslogd || true)
[[ -z $rsyslogd_bin && -x /usr/sbin/rsyslogd ]] && rsyslogd_bin=/usr/sbin/rsyslogd
sng_root=${MLQ_SYSLOG_NG_ROOT:-/opt/mlq-test/syslog-ng}
sng_bin=$sng_root/usr/sbin/syslog-ng
daemons=(mlqd)
if [[ -n $rsyslogd_bin ]]; then daemons+=(rsyslog); else log "rsyslogd not installed: skipped"; fi
if [[ -x $sng_bin ]]; then daemons+=(syslog-ng); else log "syslog-ng not unpacked in $sng_root: skipped"; fi

# ---- daemons ------------------------------------------------------------------------
# start_daemon KIND DIR -> sets d_pid, d_tcp, d_udp (syslog ports), d_grpc (mlqd)
start_daemon() {
  local kind=$1 dir=$2
  mkdir -p "$dir"
  d_grpc=""
  case "$kind" in
    mlqd)
      start_mlqd "$dir/daemon.log" "$dir/data" --syslog-tcp 127.0.0.1:0 \
        --syslog-udp 127.0.0.1:0 --grpc 127.0.0.1:0
      d_pid=$mlqd_pid d_grpc=$mlqd_grpc
      d_tcp=$(mlqd_port "$dir/daemon.log" tcp)
      d_udp=$(mlqd_port "$dir/daemon.log" udp)
      ;;
    rsyslog)
      d_tcp=$("$benchq" free-port)
      d_udp=$("$benchq" free-port)
      write_rsyslog_conf "$dir" "$d_tcp" "$d_udp"
      "$rsyslogd_bin" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" >"$dir/daemon.log" 2>&1 &
      d_pid=$!
      wait_for 30 port_listening "$d_tcp" ||
        { cat "$dir/daemon.log" >&2; echo "run.sh: rsyslogd did not start" >&2; exit 1; }
      ;;
    syslog-ng)
      d_tcp=$("$benchq" free-port)
      d_udp=$("$benchq" free-port)
      # network() -> file() with the default file template; flow-control so
      # that TCP senders are slowed down instead of lines dropped (mlqd and
      # rsyslog do that by default).
      cat >"$dir/syslog-ng.conf" <<EOF
@version: 3.38
options { stats-freq(0); keep-hostname(yes); chain-hostnames(no); use-dns(no); };
source s_net {
  network(ip("127.0.0.1") port($d_tcp) transport("tcp") max-connections(100));
  network(ip("127.0.0.1") port($d_udp) transport("udp"));
};
destination d_file { file("$dir/out.log"); };
log { source(s_net); destination(d_file); flags(flow-control); };
EOF
      LD_LIBRARY_PATH=$sng_root/usr/lib/syslog-ng "$sng_bin" \
        --module-path="$sng_root/usr/lib/syslog-ng/3.38" -F -e -f "$dir/syslog-ng.conf" \
        --persist-file="$dir/persist" --pidfile="$dir/syslog-ng.pid" --control="$dir/ctl" \
        >"$dir/daemon.log" 2>&1 &
      d_pid=$!
      wait_for 30 grep -qs "syslog-ng starting up" "$dir/daemon.log" ||
        { cat "$dir/daemon.log" >&2; echo "run.sh: syslog-ng did not start" >&2; exit 1; }
      ;;
  esac
}
port_listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }

# wait_done KIND DIR COUNT BYTES TIMEOUT IDLE -> prints the benchq result line
wait_done() {
  local kind=$1 dir=$2 count=$3 bytes=$4 timeout=$5 idle=$6
  if [[ $kind == mlqd ]]; then
    "$benchq" wait-stored --server "$d_grpc" --count "$count" --timeout "$timeout" \
      --idle "$idle" --pid "$d_pid" --interval-ms 20 || true
  else
    "$benchq" wait-file --path "$dir/out.log" --bytes "$bytes" --count "$count" \
      --timeout "$timeout" --idle "$idle" --pid "$d_pid" --interval-ms 20 || true
  fi
}

# ---- the stream ---------------------------------------------------------------------
# The same generator, seed and hosts for every daemon: identical bytes.
gen_dataset() {  # N DIR -> DIR/raw.log, DIR/raw.log.gz, DIR/keys.tsv
  local n=$1 dir=$2
  mkdir -p "$dir"
  "$loadgen" --stdout -n "$n" --hosts "$hosts" --keys "$keys" --keys-out "$dir/keys.tsv" \
    >"$dir/raw.log"
  gzip -6 -c "$dir/raw.log" >"$dir/raw.log.gz"
}

# One ingest measurement: KIND PROTO CONNS N RAW_BYTES TAG [keep-data-dir]
ingest_run() {
  local kind=$1 proto=$2 conns=$3 n=$4 raw_bytes=$5 tag=$6 keep_to=${7:-}
  local dir=$work/run.$kind.$tag
  rm -rf "$dir"
  start_daemon "$kind" "$dir"
  local cpu0
  cpu0=$(kv "$("$benchq" proc --pid "$d_pid")" cpu_s)
  local timeout=$((n / 5000 + 120))
  "$loadgen" -n "$n" --hosts "$hosts" --proto tcp --target "127.0.0.1:$d_tcp" -c "$conns" \
    --start-file "$dir/start" >"$dir/loadgen.out" 2>&1 &
  local lg=$!
  # The generator builds its whole stream first: wait for its first send.
  wait_for 600 test -s "$dir/start" || { cat "$dir/loadgen.out" >&2; exit 1; }
  local res
  res=$(wait_done "$kind" "$dir" "$n" "$raw_bytes" "$timeout" 0)
  wait "$lg" || { echo "run.sh: loadgen failed: $(cat "$dir/loadgen.out")" >&2; }
  local start end count cpu1 hwm
  start=$(cat "$dir/start")
  end=$(kv "$res" end_us)
  count=$(kv "$res" count)
  cpu1=$(kv "$res" cpu_s)
  hwm=$(kv "$res" hwm_kb)
  local secs rate cpu_m
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
  rate=$(awk -v n="$count" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$count" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / n * 1e6 : 0) }')
  log "  $kind $tag: $count/$n lines in ${secs}s = $rate lines/s, cpu ${cpu_m}s/M lines, peak RSS $((hwm / 1024)) MiB ($(kv "$res" rss_kb_25_50_75_100) kB at 25/50/75/100%)"
  record "ingest.$tag.$kind.rate" "$rate"
  record "ingest.$tag.$kind.cpu_per_m" "$cpu_m"
  record "ingest.$tag.$kind.hwm_mb" "$((hwm / 1024))"
  record "ingest.$tag.$kind.lost" "$((n - count))"
  record "ingest.$tag.$kind.rss_curve" "$(kv "$res" rss_kb_25_50_75_100)"
  if [[ $kind != mlqd && $count -eq $n && $tag != big && ! -e $dir.checked ]]; then
    # The daemon stored exactly the raw log's lines (order differs between connections).
    [[ -s $dataset/raw.sorted.md5 ]] || LC_ALL=C sort "$dataset/raw.log" | md5sum >"$dataset/raw.sorted.md5"
    if [[ "$(LC_ALL=C sort "$dir/out.log" | md5sum)" == "$(cat "$dataset/raw.sorted.md5")" ]]; then
      log "  $kind wrote exactly the raw log's lines"
    else
      log "  WARNING: $kind's file differs from the raw log"
    fi
    touch "$dir.checked"
  fi
  stop_pid "$d_pid" 120
  if [[ -n $keep_to ]]; then
    rm -rf "$keep_to"
    mv "$dir/data" "$keep_to"
  fi
  rm -rf "$dir"
}

udp_run() {  # KIND RATE TAG
  local kind=$1 rate=$2
  local n=$((rate * udp_secs))
  local dir=$work/udp.$kind.$rate
  rm -rf "$dir"
  start_daemon "$kind" "$dir"
  local bytes
  bytes=$("$loadgen" --stdout -n "$n" --hosts "$hosts" | wc -c)
  "$loadgen" -n "$n" --hosts "$hosts" --proto udp --target "127.0.0.1:$d_udp" --rate "$rate" \
    >"$dir/loadgen.out" 2>&1 || true
  local res count loss
  res=$(wait_done "$kind" "$dir" "$n" "$bytes" $((udp_secs + 60)) 3)
  count=$(kv "$res" count)
  loss=$(awk -v n="$n" -v c="$count" 'BEGIN { printf "%.2f", (n - c) * 100 / n }')
  log "  $kind udp $rate lines/s: $count/$n stored, loss $loss% (sent: $(cat "$dir/loadgen.out"))"
  record "udp.$rate.$kind.loss" "$loss"
  stop_pid "$d_pid" 60
  rm -rf "$dir"
}

# ---- lookups -------------------------------------------------------------------------
# The two-step grep trace: message-id -> its queue IDs -> all their lines.
cat >"$work/grep-trace.sh" <<'EOF'
#!/usr/bin/env bash
f=$1; mid=$2
qids=$(grep -F -- "$mid" "$f" | grep -oE '\]: [0-9A-Za-z]{10,15}: ' | cut -c4- | tr -d ': ' | sort -u)
[[ -n $qids ]] || exit 1
args=()
for q in $qids; do args+=(-e "$q"); done
grep -F "${args[@]}" "$f"
EOF
chmod +x "$work/grep-trace.sh"

# lookups SIZE_TAG DATA_DIR DATASET_DIR GREP_KEYS ZGREP_KEYS
lookups() {
  local tag=$1 data=$2 ds=$3 gk=$4 zk=$5
  local dir=$work/lookup.$tag
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$data" "$dir/data"
  start_daemon mlqd "$dir"
  local r
  for run in $(seq 1 "$runs"); do
    for kind in message-id queue-id address trace; do
      r=$("$benchq" lookup --server "$d_grpc" --keys "$ds/keys.tsv" --kind "$kind" --count "$keys") || true
      log "  $tag grpc $kind: $r"
      record "lookup.$tag.grpc.$kind.p50" "$(kv "$r" p50_us)"
      record "lookup.$tag.grpc.$kind.p99" "$(kv "$r" p99_us)"
      record "lookup.$tag.grpc.$kind.empty" "$(kv "$r" empty)"
    done
    for spec in "message-id 1 find --message-id" "queue-id 2 find --queue-id" \
      "address 4 find --address" "trace 1 trace --message-id"; do
      read -r kind col cmd opt <<<"$spec"
      r=$("$benchq" exec --keys "$ds/keys.tsv" --column "$col" --count "$keys" -- \
        "$mlq_bin" --server "$d_grpc" "$cmd" "$opt" "{}") || true
      log "  $tag cli $kind: $r"
      record "lookup.$tag.cli.$kind.p50" "$(kv "$r" p50_us)"
      record "lookup.$tag.cli.$kind.p99" "$(kv "$r" p99_us)"
      record "lookup.$tag.cli.$kind.notfound" "$(kv "$r" nonzero_exit)"
    done
    for spec in "message-id 1" "queue-id 2" "address 4"; do
      read -r kind col <<<"$spec"
      r=$(LC_ALL=C "$benchq" exec --keys "$ds/keys.tsv" --column "$col" --count "$gk" --warmup 1 -- \
        grep -F -e "{}" "$ds/raw.log") || true
      log "  $tag grep -F $kind: $r"
      record "lookup.$tag.grep.$kind.p50" "$(kv "$r" p50_us)"
      record "lookup.$tag.grep.$kind.p99" "$(kv "$r" p99_us)"
      r=$(LC_ALL=C "$benchq" exec --keys "$ds/keys.tsv" --column "$col" --count "$zk" --warmup 0 -- \
        zgrep -F -e "{}" "$ds/raw.log.gz") || true
      log "  $tag zgrep -F $kind: $r"
      record "lookup.$tag.zgrep.$kind.p50" "$(kv "$r" p50_us)"
      record "lookup.$tag.zgrep.$kind.p99" "$(kv "$r" p99_us)"
    done
    r=$(LC_ALL=C "$benchq" exec --keys "$ds/keys.tsv" --column 1 --count "$gk" --warmup 1 -- \
      "$work/grep-trace.sh" "$ds/raw.log" "{}") || true
    log "  $tag grep trace: $r"
    record "lookup.$tag.grep.trace.p50" "$(kv "$r" p50_us)"
    record "lookup.$tag.grep.trace.p99" "$(kv "$r" p99_us)"
  done
  stop_pid "$d_pid" 120
  mv "$dir/data" "$data"
  rm -rf "$dir"
}

# storage SIZE_TAG DATA_DIR DATASET_DIR N: bytes per line after flush, after compaction
storage() {
  local tag=$1 data=$2 ds=$3 n=$4
  local dir=$work/storage.$tag
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$data" "$dir/data"
  start_daemon mlqd "$dir"  # reopened after a clean stop (memtables flushed)
  local sb
  sb=$("$mlq_bin" --server "$d_grpc" status --json | jq -r .store_bytes)
  stop_pid "$d_pid" 120
  local sst_flush
  sst_flush=$(find "$dir/data" -name '*.sst' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  local sst_compact=""
  if command -v ldb >/dev/null; then
    for cf in records index; do
      ldb --db="$dir/data" --column_family="$cf" compact >/dev/null 2>&1 || true
    done
    sst_compact=$(find "$dir/data" -name '*.sst' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  fi
  local raw gz
  raw=$(stat -c %s "$ds/raw.log")
  gz=$(stat -c %s "$ds/raw.log.gz")
  record "storage.$tag.store_bytes" "$(awk -v b="$sb" -v n="$n" 'BEGIN { printf "%.1f", b / n }')"
  record "storage.$tag.sst_flush" "$(awk -v b="$sst_flush" -v n="$n" 'BEGIN { printf "%.1f", b / n }')"
  [[ -n $sst_compact ]] && record "storage.$tag.sst_compact" \
    "$(awk -v b="$sst_compact" -v n="$n" 'BEGIN { printf "%.1f", b / n }')"
  record "storage.$tag.raw" "$(awk -v b="$raw" -v n="$n" 'BEGIN { printf "%.1f", b / n }')"
  record "storage.$tag.gzip" "$(awk -v b="$gz" -v n="$n" 'BEGIN { printf "%.1f", b / n }')"
  log "  storage $tag: store_bytes $sb, SST after flush $sst_flush, after compaction ${sst_compact:-n/a}, raw $raw, gzip -6 $gz (bytes)"
  mv "$dir/data" "$data"
  rm -rf "$dir"
}

import_run() {  # FILE TAG N
  local file=$1 tag=$2 n=$3
  local dir=$work/import.$tag
  rm -rf "$dir"
  start_daemon mlqd "$dir"
  local t0 t1
  t0=$(date +%s%N)
  timeout $((n / 2000 + 300)) "$mlq_bin" --server "$d_grpc" import --host imported "$file" \
    >"$dir/import.out" 2>&1 || { cat "$dir/import.out" >&2; }
  t1=$(date +%s%N)
  local stored
  stored=$("$mlq_bin" --server "$d_grpc" status --json | jq -r .stored)
  local raw_bytes secs
  raw_bytes=$(stat -c %s "$dataset/raw.log")
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  record "import.$tag.mb_s" "$(awk -v b="$raw_bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1048576 / s }')"
  record "import.$tag.lines_s" "$(awk -v n="$stored" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')"
  log "  import $tag: $stored/$n lines in ${secs}s"
  stop_pid "$d_pid" 120
  rm -rf "$dir"
}

# ---- the phases ------------------------------------------------------------------------
machine="$(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "work folder $work; $machine"

if has micro; then
  log "micro benchmarks ($runs repetitions)"
  "$micro" --benchmark_min_time="$micro_time" --benchmark_repetitions="$runs" \
    --benchmark_report_aggregates_only=true --benchmark_format=json \
    --benchmark_out="$work/micro.json" --benchmark_out_format=json >/dev/null 2>"$work/micro.err" ||
    { cat "$work/micro.err" >&2; exit 1; }
  # Median (or the single run's) items/s per benchmark.
  jq -r '.benchmarks[] | select(.aggregate_name == "median" or (.run_type == "iteration")) |
         [.run_name // .name, .items_per_second] | @tsv' "$work/micro.json" |
    while IFS=$'\t' read -r name ips; do record "micro.$name" "$ips"; done
fi

dataset=$work/ds
raw_bytes=0
need_dataset=0
for p in ingest udp lookup import; do has "$p" && need_dataset=1; done
if [[ $need_dataset -eq 1 ]]; then
  log "generating $lines lines (seed 1, $hosts hosts) + gzip -6"
  gen_dataset "$lines" "$dataset"
  raw_bytes=$(stat -c %s "$dataset/raw.log")
fi

if has ingest || has lookup; then
  keep_run=$runs
  has ingest || keep_run=1
  for run in $(seq 1 "$runs"); do
    log "TCP ingest, run $run/$runs ($lines lines)"
    for conns in 1 10; do
      for kind in "${daemons[@]}"; do
        # Without the ingest phase only the store for the lookups is built.
        if ! has ingest && [[ $kind != mlqd || $conns -ne 1 ]]; then continue; fi
        keep_to=""
        [[ $kind == mlqd && $conns -eq 1 && $run -eq $keep_run ]] && keep_to=$work/data-main
        ingest_run "$kind" tcp "$conns" "$lines" "$raw_bytes" "tcp$conns" "$keep_to"
      done
    done
    has ingest || break  # lookups only need one stored copy
  done
fi

if has udp; then
  for run in $(seq 1 "$runs"); do
    log "UDP loss, run $run/$runs"
    for rate in $udp_rates; do
      for kind in "${daemons[@]}"; do udp_run "$kind" "$rate"; done
    done
  done
fi

if has lookup && [[ -d $work/data-main ]]; then
  log "storage ($lines lines)"
  storage main "$work/data-main" "$dataset" "$lines"
  log "lookups ($lines lines; $keys keys; grep -F $grep_keys keys, zgrep $zgrep_keys keys)"
  lookups main "$work/data-main" "$dataset" "$grep_keys" "$zgrep_keys"
fi

if has import; then
  for run in $(seq 1 "$runs"); do
    log "mlq import, run $run/$runs"
    import_run "$dataset/raw.log" plain "$lines"
    import_run "$dataset/raw.log.gz" gz "$lines"
  done
fi

if [[ $profile -eq 1 ]]; then
  if perf record -e cpu-clock -o /dev/null -- true >/dev/null 2>&1; then
    log "profiling mlqd (perf record -e cpu-clock) during a $lines-line TCP ingest"
    pdir=$work/profile
    mkdir -p "$pdir"
    start_daemon mlqd "$pdir"
    "$loadgen" -n "$lines" --hosts "$hosts" --proto tcp --target "127.0.0.1:$d_tcp" -c 1 \
      --start-file "$pdir/start" >"$pdir/loadgen.out" 2>&1 &
    lg=$!
      wait_for 600 test -s "$pdir/start"
    perf record -e cpu-clock -F 999 -g -p "$d_pid" -o "$pdir/perf.data" >/dev/null 2>&1 &
    perf_pid=$!
    wait_done mlqd "$pdir" "$lines" 0 $((lines / 5000 + 120)) 0 >/dev/null
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    wait "$lg" || true
    perf report -i "$pdir/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
      grep -E '^ +[0-9.]+%' | sed -E 's/ +- +- *$//; s/ +$//' | cut -c1-160 | head -40 >"$work/profile.txt" || true
    cp "$work/profile.txt" "${out_file:-$work/results.md}.profile.txt" 2>/dev/null || true
    log "profile (self time, top symbols):"
    cat "$work/profile.txt" >&2
    stop_pid "$d_pid" 120
  else
    log "perf cannot sample here: no profile"
  fi
fi

if has big; then
  bigds=$work/ds-big
  log "big: generating $big_lines lines + gzip -6"
  gen_dataset "$big_lines" "$bigds"
  big_raw=$(stat -c %s "$bigds/raw.log")
  saved_dataset=$dataset
  dataset=$bigds
  log "big: TCP ingest of $big_lines lines, 1 connection"
  for kind in "${daemons[@]}"; do
    if ! has ingest && [[ $kind != mlqd ]]; then continue; fi  # --only big: mlqd alone
    keep_to=""
    [[ $kind == mlqd ]] && keep_to=$work/data-big
    ingest_run "$kind" tcp 1 "$big_lines" "$big_raw" "big" "$keep_to"
  done
  if [[ -d $work/data-big ]]; then
    log "big: storage"
    storage big "$work/data-big" "$bigds" "$big_lines"
    log "big: lookups"
    saved_runs=$runs
    runs=1
    lookups big "$work/data-big" "$bigds" "$big_grep_keys" "$big_zgrep_keys"
    runs=$saved_runs
  fi
  dataset=$saved_dataset
fi

# ---- the table ------------------------------------------------------------------------
med() {  # median of a key's values, "" when none
  awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$results" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) exit 0; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() { local v; v=$(med "$1"); [[ -z $v ]] || awk -v x="$v" 'BEGIN { printf (x < 10000 ? "%.2f" : "%.0f"), x / 1000 }'; }
num() { local v; v=$(med "$1"); [[ -z $v ]] || awk -v x="$v" 'BEGIN { printf "%.0f", x }'; }
raw_med() { med "$1"; }
ratio() {  # a / b, "" if missing
  [[ -z ${1:-} || -z ${2:-} ]] || awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) { r = a / b;
    printf (r >= 100 ? "%.0f" : (r >= 10 ? "%.1f" : "%.2f")), r } }'
}
rx() { local v; v=$(ratio "${1:-}" "${2:-}"); if [[ -n $v ]]; then printf '%sx' "$v"; else printf 'n/a'; fi; }
or_na() { if [[ -n ${1:-} ]]; then printf '%s' "$1"; else printf 'n/a'; fi; }
holds() {  # value op target -> yes/NO
  [[ -z ${1:-} ]] && { printf 'n/a'; return; }
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; printf ok ? "yes" : "**NO**" }'
}

table=$work/results.md
{
  echo "mlq benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree)"
  echo "machine: $machine"
  echo "mode: $([[ $quick -eq 1 ]] && echo quick || echo full), $lines lines ($(( raw_bytes / lines )) B/line in the raw log), $runs run(s), medians; TCP LF framing, bulk writes; $hosts hosts"
  echo
  echo "| measurement | mlqd | rsyslog | syslog-ng | grep -F (raw) | zgrep (gz) | ratio | target | holds |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for tag in tcp1 tcp10 big; do
    m=$(num "ingest.$tag.mlqd.rate"); r=$(num "ingest.$tag.rsyslog.rate"); s=$(num "ingest.$tag.syslog-ng.rate")
    [[ -z $m && -z $r && -z $s ]] && continue
    case $tag in tcp1) what="TCP ingest, 1 conn, $lines lines (lines/s)";;
      tcp10) what="TCP ingest, 10 conns, $lines lines (lines/s)";;
      big) what="TCP ingest, 1 conn, $big_lines lines (lines/s)";; esac
    echo "| $what | $(or_na "$m") | $(or_na "$r") | $(or_na "$s") | | | mlqd/rsyslog $(or_na "$(ratio "$m" "$r")"), mlqd/syslog-ng $(or_na "$(ratio "$m" "$s")") | >= 250000 | $(holds "$m" ">=" 250000) |"
    m=$(raw_med "ingest.$tag.mlqd.cpu_per_m"); r=$(raw_med "ingest.$tag.rsyslog.cpu_per_m"); s=$(raw_med "ingest.$tag.syslog-ng.cpu_per_m")
    echo "| ↳ daemon CPU s per 1M lines | $(or_na "$m") | $(or_na "$r") | $(or_na "$s") | | | mlqd/rsyslog $(or_na "$(ratio "$m" "$r")") | | |"
    m=$(num "ingest.$tag.mlqd.hwm_mb"); r=$(num "ingest.$tag.rsyslog.hwm_mb"); s=$(num "ingest.$tag.syslog-ng.hwm_mb")
    echo "| ↳ peak RSS (MiB) | $(or_na "$m") | $(or_na "$r") | $(or_na "$s") | | | | < 1024 | $(holds "$m" "<=" 1024) |"
    m=$(num "ingest.$tag.mlqd.lost"); r=$(num "ingest.$tag.rsyslog.lost"); s=$(num "ingest.$tag.syslog-ng.lost")
    echo "| ↳ lines lost | $(or_na "$m") | $(or_na "$r") | $(or_na "$s") | | | | 0 | $(holds "$m" "<=" 0) |"
  done
  c=$(awk -F'\t' '$1 == "ingest.big.mlqd.rss_curve" { print $2 }' "$results" | tail -1)
  [[ -z $c ]] || echo "| ↳ mlqd RSS at 25/50/75/100 % of $big_lines lines (MiB) | $(tr ',' '\n' <<<"$c" | awk '{ printf "%s%d", (NR > 1 ? " / " : ""), $1 / 1024 }') | | | | | | flat | |"
  for rate in $udp_rates; do
    m=$(raw_med "udp.$rate.mlqd.loss"); r=$(raw_med "udp.$rate.rsyslog.loss"); s=$(raw_med "udp.$rate.syslog-ng.loss")
    [[ -z $m && -z $r && -z $s ]] && continue
    echo "| UDP loss at $rate lines/s offered (%) | $(or_na "$m") | $(or_na "$r") | $(or_na "$s") | | | | | |"
  done
  for tag in main big; do
    [[ -z $(med "lookup.$tag.grpc.message-id.p50") ]] && continue
    size=$lines; [[ $tag == big ]] && size=$big_lines
    for kind in message-id queue-id address trace; do
      case $kind in message-id) what="find --message-id";; queue-id) what="find --queue-id";;
        address) what="find --address";; trace) what="trace (grep: 2-step message-id -> queue IDs -> lines)";; esac
      g50=$(med "lookup.$tag.grpc.$kind.p50"); g99=$(med "lookup.$tag.grpc.$kind.p99")
      c50=$(med "lookup.$tag.cli.$kind.p50"); c99=$(med "lookup.$tag.cli.$kind.p99")
      gr50=$(med "lookup.$tag.grep.$kind.p50"); z50=$(med "lookup.$tag.zgrep.$kind.p50")
      target=""; verdict=""
      case $kind in
        message-id|queue-id) target="p99 < 10 ms, p50 < 1 ms, >= 100x grep"
          verdict="$(holds "$(awk -v x="$g99" 'BEGIN { print x / 1000 }')" "<=" 10) / $(holds "$(awk -v x="$g50" 'BEGIN { print x / 1000 }')" "<=" 1) / $(holds "$(ratio "$gr50" "$g50")" ">=" 100)";;
        address) target="p50 < 1 ms"; verdict=$(holds "$(awk -v x="$g50" 'BEGIN { print x / 1000 }')" "<=" 1);;
        trace) target="p99 < 20 ms"; verdict=$(holds "$(awk -v x="$g99" 'BEGIN { print x / 1000 }')" "<=" 20);;
      esac
      echo "| $what at $size lines, p50 / p99 (ms): gRPC call | $(ms "lookup.$tag.grpc.$kind.p50") / $(ms "lookup.$tag.grpc.$kind.p99") | | | $(or_na "$(ms "lookup.$tag.grep.$kind.p50")") / $(or_na "$(ms "lookup.$tag.grep.$kind.p99")") | $(or_na "$(ms "lookup.$tag.zgrep.$kind.p50")") / $(or_na "$(ms "lookup.$tag.zgrep.$kind.p99")") | grep/mlqd p50 $(rx "$gr50" "$g50"), zgrep/mlqd $(rx "$z50" "$g50") | $target | $verdict |"
      echo "| ↳ same, mlq CLI process wall time | $(ms "lookup.$tag.cli.$kind.p50") / $(ms "lookup.$tag.cli.$kind.p99") | | | | | grep/CLI p50 $(rx "$gr50" "$c50") | | |"
    done
    st=$(med "storage.$tag.store_bytes"); sf=$(med "storage.$tag.sst_flush"); sc=$(med "storage.$tag.sst_compact")
    rw=$(med "storage.$tag.raw"); gz=$(med "storage.$tag.gzip")
    echo "| bytes per line on disk at $size lines: mlq status store_bytes (SST after flush; after full compaction) | $st ($sf; $(or_na "$sc")) | $rw (raw file) | $rw (raw file) | $rw | $gz | store/raw $(ratio "$st" "$rw"), compacted/raw $(or_na "$(ratio "$sc" "$rw")"), compacted/gzip $(or_na "$(ratio "$sc" "$gz")") | <= raw | $(holds "$(ratio "$st" "$rw")" "<=" 1) |"
  done
  for tag in plain gz; do
    v=$(med "import.$tag.mb_s"); [[ -z $v ]] && continue
    echo "| mlq import, $([[ $tag == gz ]] && echo .gz || echo plain) file (MB/s of log text; lines/s) | $v; $(num "import.$tag.lines_s") | | | | | | | |"
  done
  for spec in "BM_FramerFeed/mode(0=octet,1=lf,2=mixed):2/slice:2048|framing, mixed octet/LF, 2 KiB slices" \
    "BM_ParseSyslogLine/input(0=corpus_3164,1=gen_3164,2=gen_file_form,3=gen_5424):1|ParseSyslogLine, RFC 3164 with PRI" \
    "BM_ParseSyslogLine/input(0=corpus_3164,1=gen_3164,2=gen_file_form,3=gen_5424):2|ParseSyslogLine, file form (no PRI, import)" \
    "BM_Normalize/input(0=postfix_corpus,1=all_corpus,2=generated_mix):0|Normalize, Postfix corpus lines" \
    "BM_Normalize/input(0=postfix_corpus,1=all_corpus,2=generated_mix):2|Normalize, generated Postfix/amavis/Dovecot mix" \
    "BM_LineParser/input(0=corpus,1=generated):1|LineParser (header + normalize), generated mix" \
    "BM_EncodeRecord|EncodeRecord" "BM_DecodeRecord/0|DecodeRecord, every field stored (format 2)" \
    "BM_DecodeRecord/1|DecodeRecord, mail fields derived on read (format 3)" "BM_IndexKeys|IndexTerms + IndexKey per record"; do
    name=${spec%%|*}; what=${spec#*|}
    v=$(med "micro.$name"); [[ -z $v ]] && continue
    t=""; h=""
    [[ $name == BM_Normalize* ]] && { t=">= 1000000"; h=$(holds "$v" ">=" 1000000); }
    echo "| micro: $what (items/s, 1 core) | $(awk -v x="$v" 'BEGIN { printf "%.0f", x }') | | | | | | $t | $h |"
  done
} >"$table"
cat "$table"
if [[ -n $out_file ]]; then cp "$table" "$out_file"; fi
if [[ $keep -eq 1 ]]; then log "raw measurements: $results"; fi
