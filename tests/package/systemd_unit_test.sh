#!/usr/bin/env bash
# Checks deploy/systemd/mlqd.service without systemd as PID 1:
# `systemd-analyze verify` (with ExecStart pointed at the built mlqd, as
# /usr/bin/mlqd exists only once the package is installed) must pass without
# a warning, and `systemd-analyze security --offline=true` must rate the
# unit's exposure at most MLQ_MAX_EXPOSURE (default 2.0; 1.4 when written).
# Usage: systemd_unit_test.sh SOURCE_DIR MLQD_BINARY
# Exit 77 (skipped) when systemd-analyze is missing; a failure under CI=true.
set -euo pipefail
src=$1
mlqd=$2
max=${MLQ_MAX_EXPOSURE:-2.0}

if ! command -v systemd-analyze >/dev/null; then
  if [[ "${CI:-}" == true ]]; then
    echo "systemd_unit_test: systemd-analyze missing (deploy/install-deps.sh --test)" >&2
    exit 1
  fi
  echo "systemd_unit_test: SKIP: systemd-analyze missing (deploy/install-deps.sh --test)"
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#^ExecStart=/usr/bin/mlqd #ExecStart=$mlqd #" "$src/deploy/systemd/mlqd.service" \
  >"$tmp/mlqd.service"
grep -q "^ExecStart=$mlqd " "$tmp/mlqd.service" || { echo "no ExecStart=/usr/bin/mlqd" >&2; exit 1; }

# What the service contract needs, present in the unit.
for line in Type=notify "ExecReload=/bin/kill -HUP \$MAINPID" User=mlq WatchdogSec= \
  ProtectSystem=strict ReadWritePaths=/var/lib/mlq NoNewPrivileges=yes PrivateTmp=yes \
  AmbientCapabilities=CAP_NET_BIND_SERVICE CapabilityBoundingSet=CAP_NET_BIND_SERVICE \
  "SystemCallFilter=@system-service" "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"; do
  grep -qF -- "$line" "$tmp/mlqd.service" || { echo "unit lacks $line" >&2; exit 1; }
done

# verify: exit 0 and nothing on stderr (warnings included).
if ! systemd-analyze verify "$tmp/mlqd.service" 2>"$tmp/verify.err"; then
  cat "$tmp/verify.err" >&2
  echo "systemd_unit_test: systemd-analyze verify failed" >&2
  exit 1
fi
if [[ -s "$tmp/verify.err" ]]; then
  cat "$tmp/verify.err" >&2
  echo "systemd_unit_test: systemd-analyze verify warned" >&2
  exit 1
fi
echo "systemd_unit_test: systemd-analyze verify: OK"

if ! systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
  echo "systemd_unit_test: this systemd-analyze has no --offline; exposure not rated"
  exit 0
fi
systemd-analyze security --offline=true --no-pager "$tmp/mlqd.service" >"$tmp/security" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for mlqd.service: \([0-9.]*\).*/\1/p' "$tmp/security")
if [[ -z "$score" ]]; then
  cat "$tmp/security" >&2
  echo "systemd_unit_test: no exposure level in systemd-analyze security's output" >&2
  exit 1
fi
echo "systemd_unit_test: systemd-analyze security --offline=true: exposure $score (at most $max)"
grep '✗' "$tmp/security" | sed 's/  */ /g' || true
if ! awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }'; then
  echo "systemd_unit_test: exposure $score above $max" >&2
  exit 1
fi
