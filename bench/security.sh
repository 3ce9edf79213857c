#!/usr/bin/env bash
# What TLS and bearer tokens cost on the query path (issue 12, "Measure").
#
#   bash bench/security.sh                 # 1M lines, 5 rounds (~3 min on 2 busy cores)
#   bash bench/security.sh --quick         # 50k lines, 2 rounds, few calls: a smoke check
#
# Loads one store once (mlq-loadgen over TCP into a plain mlqd, keeping the
# lookup keys it writes), then, on that same data folder, runs the variants
# interleaved (round 1 A,B,C; round 2 C,B,A; ...):
#   A  plain gRPC on 127.0.0.1, no tokens (the zero-config default)
#   B  TLS (deploy/make-test-ca.sh certificate) + --grpc-tokens, a read token
#   C  as B (same mlqd flags, same token file), but the client's read token
#      is limited to one domain (--domain, default example.com; the generator's
#      local domains are example.net, example.com and corp.example.org)
# Each run starts mlqd on the data folder with the variant's flags, times
# `mlq-benchq lookup` (Find by message-id and by address, N calls each, one
# long-lived channel: the TLS handshake is paid once, in the warm-up), then
# Find by message-id with a new connection per call (`--reconnect`: TCP +
# TLS handshake + call), then the real `mlq find --message-id` process per
# key (`mlq-benchq exec`), and stops mlqd. Prints one markdown table: p50
# and p99 per variant, medians over the rounds, and the ratios B/A and C/A.
#
# Options:
#   --lines N          lines loaded (default 1000000)
#   --rounds N         rounds of the three variants (default 5)
#   --count N          Find calls per kind and run (default 1000)
#   --reconnect-count N  Find calls with a new connection each (default 200)
#   --cli-count N      mlq find processes per run (default 50)
#   --domain D         the domain of C's token (default example.com)
#   --build-dir DIR    binaries (default build-bench, or $MLQ_BENCH_BUILD_DIR)
#   --build            build mlqd mlq mlq-loadgen mlq-benchq there first (nice, -j1)
#   --out FILE         also write the table here
#   --keep             keep the work folder ($MLQ_BENCH_DIR or /tmp)
#
# Every mlqd it starts is stopped when its run ends, and on any exit (trap).
set -euo pipefail

root=${MLQ_BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build=${MLQ_BENCH_BUILD_DIR:-$root/build-bench}
lines=1000000
rounds=5
count=1000
reconnect_count=200
cli_count=50
domain=example.com
do_build=0
out_file=""
keep=0
keys=2000  # lookup keys mlq-loadgen keeps (a uniform sample of finished messages)

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) lines=50000; rounds=2; count=100; reconnect_count=50; cli_count=10 ;;
    --lines) lines=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --count) count=$2; shift ;;
    --reconnect-count) reconnect_count=$2; shift ;;
    --cli-count) cli_count=$2; shift ;;
    --domain) domain=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --build) do_build=1 ;;
    --out) out_file=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "security.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ $rounds -ge 1 ]] || { echo "security.sh: --rounds must be >= 1" >&2; exit 2; }
[[ $count -le $keys && $reconnect_count -le $keys && $cli_count -le $keys ]] ||
  { echo "security.sh: at most $keys calls per kind (the keys mlq-loadgen keeps)" >&2; exit 2; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # log, kv, wait_for, stop_pid, start_mlqd, make_work

if [[ $do_build -eq 1 ]]; then
  log "building Release into $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  nice ninja -C "$build" -j "${MLQ_JOBS:-1}" mlqd mlq mlq-loadgen mlq-benchq >&2
fi
mlqd_bin=$build/daemon/mlqd
mlq_bin=$build/cli/mlq
loadgen=$build/bench/mlq-loadgen
benchq=$build/bench/mlq-benchq
for b in "$mlqd_bin" "$mlq_bin" "$loadgen" "$benchq"; do
  [[ -x $b ]] || { echo "security.sh: $b missing (build with --build)" >&2; exit 1; }
done

make_work security  # $work, $results (variant <TAB> measurement <TAB> value); mlqd stopped on exit

# run_mlqd LOG ARGS...: mlqd on the one data folder -> d_grpc; stop_mlqd stops it.
run_mlqd() {
  local logf=$1; shift
  start_mlqd "$logf" "$work/data" "$@"
  d_grpc=$mlqd_grpc
}
stop_mlqd() { stop_pid "$mlqd_pid" 60; }

machine="$(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "work folder $work; $machine; load $load_start"

# ---- certificates and tokens ----------------------------------------------------------
bash "$root/deploy/make-test-ca.sh" "$work/tls" localhost >/dev/null
tokens=$work/tokens
token_read=$("$mlq_bin" token create --file "$tokens" --role read --name bench-read 2>/dev/null)
token_domain=$("$mlq_bin" token create --file "$tokens" --role read --domain "$domain" \
  --name bench-domain 2>/dev/null)
[[ $token_read == mlq_* && $token_domain == mlq_* ]] ||
  { echo "security.sh: mlq token create failed" >&2; exit 1; }

# ---- the store, loaded once -----------------------------------------------------------
log "loading $lines generated lines (seed 1, 10 hosts) over TCP into mlqd"
run_mlqd "$work/load.log" --syslog-tcp 127.0.0.1:0 --syslog-udp "" --grpc 127.0.0.1:0
tcp_port=$(mlqd_port "$work/load.log" tcp)
"$loadgen" -n "$lines" --hosts 10 --keys "$keys" --keys-out "$work/keys.tsv" --proto tcp \
  --target "127.0.0.1:$tcp_port" -c 1 >"$work/loadgen.out" 2>&1 &
wait $! || { cat "$work/loadgen.out" >&2; exit 1; }
r=$("$benchq" wait-stored --server "$d_grpc" --count "$lines" --timeout $((lines / 2000 + 120)) \
  --idle 30) || { echo "security.sh: mlqd stored only $(kv "$r" count)/$lines lines" >&2; exit 1; }
log "  stored $(kv "$r" count) lines; loadgen: $(cat "$work/loadgen.out")"
stop_mlqd
nkeys=$(wc -l <"$work/keys.tsv")
in_domain=$(cut -f4 "$work/keys.tsv" | grep -ciE "[@.]${domain//./\\.}\$" || true)
log "  $nkeys lookup keys; $in_domain of their recipient addresses are in $domain"

# Where the variants differ: B and C run the same mlqd (TLS + the token file
# with both tokens); C's client sends the domain-limited token.
tls_flags=(--grpc-tls-cert "$work/tls/server.pem" --grpc-tls-key "$work/tls/server.key"
  --grpc-tokens "$tokens")

# One run of a variant: start mlqd with its flags, time the lookups, stop it.
run_variant() {
  local v=$1 round=$2
  local -a sflags=() cflags=()
  case $v in
    B) sflags=("${tls_flags[@]}"); cflags=(--ca "$work/tls/ca.pem" --token "$token_read") ;;
    C) sflags=("${tls_flags[@]}"); cflags=(--ca "$work/tls/ca.pem" --token "$token_domain") ;;
  esac
  run_mlqd "$work/run.$v.$round.log" --syslog-tcp "" --syslog-udp "" --grpc 127.0.0.1:0 \
    "${sflags[@]}"
  local r kind
  for kind in message-id address; do
    r=$("$benchq" lookup --server "$d_grpc" "${cflags[@]}" --keys "$work/keys.tsv" \
      --kind "$kind" --count "$count" --warmup 20) ||
      { log "  $v $kind failed: $r"; exit 1; }
    log "  round $round $v find $kind: $r"
    for m in p50_us p99_us records_avg empty; do
      printf '%s\t%s.%s\t%s\n' "$v" "$kind" "$m" "$(kv "$r" "$m")" >>"$results"
    done
  done
  r=$("$benchq" lookup --server "$d_grpc" "${cflags[@]}" --keys "$work/keys.tsv" \
    --kind message-id --count "$reconnect_count" --warmup 5 --reconnect) ||
    { log "  $v reconnect failed: $r"; exit 1; }
  log "  round $round $v find message-id, new connection per call: $r"
  for m in p50_us p99_us; do
    printf '%s\t%s.%s\t%s\n' "$v" "reconnect" "$m" "$(kv "$r" "$m")" >>"$results"
  done
  r=$("$benchq" exec --keys "$work/keys.tsv" --column 1 --count "$cli_count" --warmup 3 -- \
    "$mlq_bin" --server "$d_grpc" "${cflags[@]}" find --message-id "{}" \
    2>"$work/cli.$v.$round.err")  # C: "no matching lines" for keys outside its domain
  log "  round $round $v mlq find --message-id process: $r"
  [[ $(kv "$r" nonzero_exit) == 0 || $v == C ]] || { log "  $v: mlq find failed"; exit 1; }
  for m in p50_us p99_us nonzero_exit; do
    printf '%s\t%s.%s\t%s\n' "$v" "cli" "$m" "$(kv "$r" "$m")" >>"$results"
  done
  stop_mlqd
}

# One unmeasured open first: the store settles after the load (memtables were
# flushed at the stop; the first open may compact) and the page cache warms.
log "settling: one unmeasured open with lookups"
run_mlqd "$work/settle.log" --syslog-tcp "" --syslog-udp "" --grpc 127.0.0.1:0
"$benchq" lookup --server "$d_grpc" --keys "$work/keys.tsv" --kind address --count "$keys" \
  >/dev/null
"$benchq" lookup --server "$d_grpc" --keys "$work/keys.tsv" --kind message-id --count "$keys" \
  >/dev/null
sleep 5
stop_mlqd

for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then order="A B C"; else order="C B A"; fi
  log "round $round/$rounds: $order (load $(cut -d" " -f1-3 /proc/loadavg))"
  for v in $order; do run_variant "$v" "$round"; done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table --------------------------------------------------------------------------
med() {  # VARIANT KEY -> median over the rounds
  awk -F'\t' -v v="$1" -v k="$2" '$1 == v && $2 == k { print $3 }' "$results" | sort -g |
    awk '{ x[NR] = $1 } END { if (NR == 0) exit 0; if (NR % 2) print x[(NR + 1) / 2]; else print (x[NR / 2] + x[NR / 2 + 1]) / 2 }'
}
ms() { awk -v x="$1" 'BEGIN { printf (x < 10000 ? "%.2f" : "%.1f"), x / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
row() {  # KEY WHAT: p50/p99 per variant and the ratios
  local key=$1 what=$2 cells="" v a50 a99
  a50=$(med A "$key.p50_us"); a99=$(med A "$key.p99_us")
  for v in A B C; do cells+=" $(ms "$(med "$v" "$key.p50_us")") / $(ms "$(med "$v" "$key.p99_us")") |"; done
  local r=""
  for v in B C; do
    r+="$v/A $(ratio "$(med "$v" "$key.p50_us")" "$a50") / $(ratio "$(med "$v" "$key.p99_us")" "$a99")"
    [[ $v == B ]] && r+="; "
  done
  echo "| $what |$cells $r |"
}
table=$work/results.md
{
  echo "mlq security benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree)"
  echo "machine: $machine; load average (1/5/15 min) at start $load_start, at end $load_end"
  echo "store: $lines generated lines (mlq-loadgen seed 1, 10 hosts); $nkeys keys; $rounds rounds (A,B,C / C,B,A ...), medians over rounds; per run $count calls per Find kind on one channel, $reconnect_count with a new connection each, $cli_count mlq processes"
  echo
  echo "| p50 / p99 (ms) | A: plain, no tokens | B: TLS + token | C: TLS + token limited to $domain | B/A; C/A (p50 / p99) |"
  echo "|---|---|---|---|---|"
  echo "| mlqd flags | \`--grpc 127.0.0.1:0\` | + \`--grpc-tls-cert/-key --grpc-tokens\` | same as B | |"
  echo "| client | plain channel | \`--ca\`, \`authorization: Bearer\` (read token) | \`--ca\`, read token \`--domain $domain\` | |"
  row message-id "Find by message-id, one channel"
  row address "Find by address, one channel"
  row reconnect "Find by message-id, new connection (TCP + TLS handshake) per call"
  row cli "\`mlq find --message-id\` process (start, connect, call, print)"
  for kind in message-id address; do
    echo "| ↳ records per Find by $kind (avg; calls with none) | $(med A "$kind.records_avg") ($(med A "$kind.empty")) | $(med B "$kind.records_avg") ($(med B "$kind.empty")) | $(med C "$kind.records_avg") ($(med C "$kind.empty")) | C sees only $domain |"
  done
} >"$table"
cat "$table"
if [[ -n $out_file ]]; then cp "$table" "$out_file"; fi
if [[ $keep -eq 1 ]]; then log "raw measurements: $results"; fi
