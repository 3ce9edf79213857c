# shellcheck shell=bash disable=SC2154,SC2034  # work, mlqd_bin come from the caller; mlqd_pid/mlqd_grpc go to it
# Shell helpers shared by the benchmark scripts (bench/run.sh, bench/relp.sh,
# bench/security.sh, bench/ingest_ab.sh); sourced, not run. They need `work`
# (the script's work folder) and `mlqd_bin` set where noted, and the caller's
# `set -euo pipefail`.
#
#   log MSG...                 "[HH:MM:SS] MSG" on stderr
#   kv LINE KEY                the value of KEY=... in a "k=v k=v" line
#   wait_for SECS CMD...       runs CMD every 50 ms until it succeeds; false after SECS
#   stop_pid PID [SECS]        SIGTERM a process this script started, SIGKILL after SECS (60)
#   stop_jobs                  stops every background job of this shell not yet reaped
#   start_mlqd LOG DATA ARGS...  mlqd on data folder DATA with ARGS, stderr+stdout to LOG,
#                              waits (120 s) for "mlqd: ready"; sets mlqd_pid and
#                              mlqd_grpc ("127.0.0.1:PORT"); exits the script on failure
#   mlqd_port LOG TRANSPORT    the port mlqd logged as "listening TRANSPORT 127.0.0.1:PORT"
#   write_rsyslog_conf DIR TCP_PORT [UDP_PORT]
#                              DIR/rsyslog.conf: imtcp on 127.0.0.1:TCP_PORT (and imudp on
#                              UDP_PORT if given) -> omfile DIR/out.log, traditional format;
#                              creates DIR/work (its workDirectory)
#   make_work NAME             work=a new folder $MLQ_BENCH_DIR (or /tmp)/mlq-NAME.XXXXXX,
#                              results=an empty $work/results.tsv; on exit every job still
#                              running is stopped and $work removed (kept when keep=1)
#
# Only processes this shell started are ever signalled (by pid, never by name).

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -1; }

wait_for() {
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 20))); do
    if "$@"; then return 0; fi
    sleep 0.05
  done
  return 1
}

stop_pid() {
  local p=$1 secs=${2:-60}
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 1 $((secs * 10))); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# The jobs not yet reaped (and only those: a reaped pid may belong to someone
# else by now), in parallel: SIGTERM to all, then each gets 5 s before SIGKILL.
stop_jobs() {
  local live=()
  jobs -p >"$work/.jobs" 2>/dev/null || true
  mapfile -t live <"$work/.jobs"
  for p in "${live[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${live[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

mlqd_port() { sed -n "s/^mlqd: listening $2 127\.0\.0\.1:\([0-9]*\)\$/\1/p" "$1" | head -1; }

start_mlqd() {
  local logf=$1 data=$2; shift 2
  "$mlqd_bin" --data "$data" "$@" >"$logf" 2>&1 &
  mlqd_pid=$!
  wait_for 120 grep -qs "mlqd: ready" "$logf" ||
    { cat "$logf" >&2; echo "$(basename "$0"): mlqd did not start" >&2; exit 1; }
  mlqd_grpc=127.0.0.1:$(mlqd_port "$logf" grpc)
  [[ $mlqd_grpc != "127.0.0.1:" ]] ||
    { cat "$logf" >&2; echo "$(basename "$0"): mlqd logged no gRPC address" >&2; exit 1; }
}

# The rsyslog side of the comparisons: imtcp (and imudp) -> omfile in the
# traditional file format (what Debian's rsyslog.conf writes to
# /var/log/mail.log); rsyslog's own messages are kept out of the file.
write_rsyslog_conf() {
  local dir=$1 tcp=$2 udp=${3:-} inputs="\$inputname == \"imtcp\""
  mkdir -p "$dir/work"
  {
    cat <<EOF
global(workDirectory="$dir/work" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$tcp")
EOF
    if [[ -n $udp ]]; then
      cat <<EOF
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$udp")
EOF
      inputs+=" or \$inputname == \"imudp\""
    fi
    cat <<EOF
if $inputs then {
  action(type="omfile" file="$dir/out.log" template="RSYSLOG_TraditionalFileFormat")
}
EOF
  } >"$dir/rsyslog.conf"
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_jobs
  if [[ ${keep:-0} -eq 0 ]]; then rm -rf "$work"; else log "work folder kept: $work"; fi
  exit $rc
}

make_work() {
  local base=${MLQ_BENCH_DIR:-/tmp}
  mkdir -p "$base"
  work=$(mktemp -d "$base/mlq-$1.XXXXXX")
  results=$work/results.tsv
  : >"$results"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  trap 'log "$(basename "$0"): command failed at line $LINENO"' ERR
}
