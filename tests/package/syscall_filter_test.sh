#!/usr/bin/env bash
# Checks the unit's seccomp filter against what mlqd really calls, without
# systemd as PID 1: runs the built mlqd under strace -f with the shipped
# example config (deploy/mlqd.conf; data and ports overridden) through start,
# a line over TCP, mlq find and status, SIGHUP and SIGTERM, and fails when a
# system call it made is outside the unit's SystemCallFilter= allow list or
# inside its ~deny list (groups expanded by systemd-analyze syscall-filter).
# Usage: syscall_filter_test.sh SOURCE_DIR MLQD_BINARY MLQ_BINARY
# Exit 77 (skipped) when strace, logger or systemd-analyze is missing; a
# failure under CI=true.
set -euo pipefail
src=$1
mlqd=$2
mlq=$3
unit="$src/deploy/systemd/mlqd.service"
for tool in strace logger systemd-analyze; do
  if ! command -v "$tool" >/dev/null; then
    if [[ "${CI:-}" == true ]]; then
      echo "syscall_filter_test: $tool missing (deploy/install-deps.sh --test)" >&2
      exit 1
    fi
    echo "syscall_filter_test: SKIP: $tool missing (deploy/install-deps.sh --test)"
    exit 77
  fi
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Names in a filter group, nested groups expanded.
expand() {
  local item
  for item in "$@"; do
    if [[ "$item" == @* ]]; then
      # shellcheck disable=SC2046
      expand $(systemd-analyze syscall-filter --no-pager "$item" |
        sed -n 's/^ \{4\}\([@a-z_0-9-]*\)$/\1/p')
    else
      echo "$item"
    fi
  done
}
allow_items=$(sed -n 's/^SystemCallFilter=\([^~].*\)$/\1/p' "$unit")
deny_items=$(sed -n 's/^SystemCallFilter=~\(.*\)$/\1/p' "$unit")
[[ -n "$allow_items" ]] || { echo "no SystemCallFilter= allow list in $unit" >&2; exit 1; }
# shellcheck disable=SC2086
expand $allow_items | sort -u >"$tmp/allowed"
# shellcheck disable=SC2086
expand $deny_items | sort -u >"$tmp/denied"
[[ -s "$tmp/allowed" ]] || { echo "empty allow list: systemd-analyze output changed?" >&2; exit 1; }

# In a sanitizer build (tests/sanitize.sh) mlqd's exit-time leak check
# cannot run under ptrace ("LeakSanitizer does not work under ptrace") and
# fails the exit; the other tests check leaks. No effect on a normal build.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -qq -o "$tmp/trace" "$mlqd" --config "$src/deploy/mlqd.conf" --data "$tmp/data" \
  --syslog-udp 127.0.0.1:0 --syslog-tcp 127.0.0.1:0 --grpc 127.0.0.1:0 2>"$tmp/log" &
pid=$!
for _ in $(seq 1 600); do
  grep -q "mlqd: ready" "$tmp/log" 2>/dev/null && break
  sleep 0.1
done
grep -q "mlqd: ready" "$tmp/log" || { cat "$tmp/log" >&2; echo "mlqd not ready" >&2; exit 1; }
grpc=$(sed -n 's/^mlqd: listening grpc //p' "$tmp/log")
tcp_port=$(sed -n 's/^mlqd: listening tcp .*:\([0-9]*\)$/\1/p' "$tmp/log")
logger -n 127.0.0.1 -P "$tcp_port" --tcp --octet-count -t postfix/cleanup --id=4242 \
  '4Ldr9y6wlvz3xgh: message-id=<syscall-filter-1@example.org>'
for _ in $(seq 1 100); do
  "$mlq" --server "$grpc" find --message-id syscall-filter-1@example.org >/dev/null 2>&1 && break
  sleep 0.2
done
"$mlq" --server "$grpc" find --message-id syscall-filter-1@example.org >/dev/null
"$mlq" --server "$grpc" status >/dev/null
# strace's pid is $pid; signals go to mlqd, its child.
mlqd_pid=$(pgrep -P "$pid" -x mlqd)
kill -HUP "$mlqd_pid"
for _ in $(seq 1 100); do
  grep -q "SIGHUP:" "$tmp/log" && break
  sleep 0.1
done
kill -TERM "$mlqd_pid"
wait "$pid"
pid=""
grep -q "mlqd: stopped" "$tmp/log" || { cat "$tmp/log" >&2; echo "mlqd did not stop cleanly" >&2; exit 1; }

sed -n 's/^[0-9]\+ \+\([a-z_0-9]\+\)(.*/\1/p' "$tmp/trace" | sort -u >"$tmp/used"
echo "syscall_filter_test: mlqd made $(wc -l <"$tmp/used") distinct system calls:" $(cat "$tmp/used")
outside=$(comm -23 "$tmp/used" "$tmp/allowed")
denied=$(comm -12 "$tmp/used" "$tmp/denied")
if [[ -n "$outside" || -n "$denied" ]]; then
  echo "syscall_filter_test: FAIL: outside $allow_items: ${outside:-none}; in ~$deny_items: ${denied:-none}" >&2
  exit 1
fi
echo "syscall_filter_test: all inside $allow_items, none in ~$deny_items"
