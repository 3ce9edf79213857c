#!/usr/bin/env bash
# Installs the real syslog senders the integration tests start, from Debian 12
# packages, without any of them becoming the machine's system logger:
#   - rsyslog, rsyslog-openssl, rsyslog-gnutls, rsyslog-relp (omrelp, for
#     the RELP tests): installed with apt while a
#     temporary /usr/sbin/policy-rc.d (exit 101) forbids starting services;
#     the tests run their own rsyslogd with their own config (-f), never
#     /etc/rsyslog.conf.
#   - syslog-ng-core: conflicts with rsyslog as a package, so it is NOT
#     installed: `apt-get download` + `dpkg -x` unpack it into
#     $MLQ_SYSLOG_NG_ROOT (default /opt/mlq-test/syslog-ng), and apt installs
#     only its runtime library dependencies. The tests run
#       LD_LIBRARY_PATH=$ROOT/usr/lib/syslog-ng $ROOT/usr/sbin/syslog-ng \
#         --module-path=$ROOT/usr/lib/syslog-ng/3.38 -F -f CONF ...
#   - bsdutils (util-linux logger) and openssl (for deploy/make-test-ca.sh).
# Idempotent: does nothing when everything is already there.
# Usage: deploy/install-test-senders.sh
set -euo pipefail

root_dir=${MLQ_SYSLOG_NG_ROOT:-/opt/mlq-test/syslog-ng}
rsyslog_pkgs=(rsyslog rsyslog-openssl rsyslog-gnutls rsyslog-relp bsdutils openssl)

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-test-senders: need root (or sudo)" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

updated=0
apt_update() {
  if [[ $updated -eq 0 ]]; then
    $sudo apt-get update -qq
    updated=1
  fi
}

# --- rsyslog ----------------------------------------------------------------
missing=()
for p in "${rsyslog_pkgs[@]}"; do installed "$p" || missing+=("$p"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  fresh_rsyslog=0
  installed rsyslog || fresh_rsyslog=1
  echo "install-test-senders: installing ${missing[*]} (services not started)"
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from mlq deploy/install-test-senders.sh\nexit 101\n' |
      $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  cleanup_policy() {
    if [[ $created_policy -eq 1 ]]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  }
  trap cleanup_policy EXIT
  apt_update
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  cleanup_policy
  created_policy=0
  trap - EXIT
  if [[ $fresh_rsyslog -eq 1 ]]; then
    # We installed it only for the tests: it must not start at boot either
    # (systemctl disable works without a running systemd: it removes links).
    if command -v systemctl >/dev/null; then
      now=""
      [[ -d /run/systemd/system ]] && now="--now"
      $sudo systemctl disable $now rsyslog.service >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null; then
      $sudo update-rc.d rsyslog disable >/dev/null 2>&1 || true
    fi
    # Should policy-rc.d have been ignored, stop the system rsyslogd we caused.
    if [[ -r /run/rsyslogd.pid ]]; then
      pid=$(cat /run/rsyslogd.pid)
      if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == rsyslogd ]]; then
        echo "install-test-senders: stopping the system rsyslogd the install started (pid $pid)"
        $sudo kill "$pid" || true
      fi
    fi
  fi
fi

# --- syslog-ng, unpacked (not installed) ------------------------------------
want_version=$(apt-cache policy syslog-ng-core 2>/dev/null | awk '/Candidate:/ {print $2}')
if [[ -z "$want_version" || "$want_version" == "(none)" ]]; then
  apt_update
  want_version=$(apt-cache policy syslog-ng-core | awk '/Candidate:/ {print $2}')
fi
have_version=$(cat "$root_dir/.mlq-version" 2>/dev/null || true)
if [[ "$have_version" != "$want_version" || ! -x "$root_dir/usr/sbin/syslog-ng" ]]; then
  echo "install-test-senders: unpacking syslog-ng-core $want_version into $root_dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"  # apt's _apt user downloads into it
  (cd "$tmp" && apt-get download -q "syslog-ng-core=$want_version" >/dev/null 2>&1) ||
    (apt_update && cd "$tmp" && apt-get download -q "syslog-ng-core=$want_version")
  deb=$(ls "$tmp"/syslog-ng-core_*.deb)
  # Runtime libraries from the package's Depends (first of alternatives).
  deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' |
    grep '^lib' || true)
  libs=()
  for d in $deps; do installed "$d" || libs+=("$d"); done
  if [[ ${#libs[@]} -gt 0 ]]; then
    echo "install-test-senders: installing syslog-ng's libraries ${libs[*]}"
    apt_update
    $sudo apt-get install -y -qq --no-install-recommends "${libs[@]}"
  fi
  $sudo rm -rf "$root_dir"
  $sudo mkdir -p "$root_dir"
  $sudo dpkg-deb -x "$deb" "$root_dir"
  echo "$want_version" | $sudo tee "$root_dir/.mlq-version" >/dev/null
  rm -rf "$tmp"
  trap - EXIT
fi

# Both must run from here, or the tests fail with a clear message anyway.
LD_LIBRARY_PATH="$root_dir/usr/lib/syslog-ng" "$root_dir/usr/sbin/syslog-ng" --version |
  head -1 | sed 's/^/install-test-senders: /'
echo "install-test-senders: $(rsyslogd -v | head -1)"
