#!/usr/bin/env bash
# The Debian package, end to end on this machine (Debian 12, root, with or
# without systemd as PID 1):
#   1. cpack builds mlq_<version>_amd64.deb from BUILD's mlqd and mlq;
#   2. its control data: shlibdeps dependencies, the conffile, the scripts;
#   3. `apt-get install ./mlq_*.deb`: user mlq, /var/lib/mlq 0700, the unit
#      (systemd-analyze verify on the installed file);
#   4. the installed /usr/bin/mlqd runs as user mlq with the installed
#      /etc/mlq/mlqd.conf (ports overridden: 127.0.0.1, port 0), takes a line
#      from logger, /usr/bin/mlq finds it, SIGHUP reloads, SIGTERM stops;
#   5. remove keeps the (edited) conffile and the data; purge removes every
#      file of the package, /etc/mlq and /var/lib/mlq and keeps the user
#      (deploy/debian/postrm says why).
# Whatever happens, the trap stops mlqd, purges the package and removes the
# user mlq if this test created it. It refuses to run (skip, or fail under
# CI=true) where a package mlq, /etc/mlq or /var/lib/mlq already exists:
# those would be someone's.
# Usage: package_test.sh BUILD_DIR     Exit: 0 pass, 1 fail, 77 skipped.
set -euo pipefail
build=$(cd "$1" && pwd)
log() { echo "package_test: $*"; }
fail() {
  echo "package_test: FAIL: $*" >&2
  exit 1
}
skip() {
  if [[ "${CI:-}" == true ]]; then fail "$* (CI=true: not skipped)"; fi
  log "SKIP: $*"
  exit 77
}

[[ $(id -u) -eq 0 ]] || skip "needs root: it installs and purges a package"
for tool in cpack dpkg-deb dpkg-shlibdeps file apt-get adduser setpriv logger systemd-analyze; do
  command -v "$tool" >/dev/null || skip "$tool missing (deploy/install-deps.sh --test)"
done
[[ -x "$build/daemon/mlqd" && -x "$build/cli/mlq" ]] || fail "build mlqd and mlq in $build first"
[[ -f "$build/CPackConfig.cmake" ]] || fail "no $build/CPackConfig.cmake: re-run cmake"
if dpkg-query -W -f='${db:Status-Status}' mlq 2>/dev/null | grep -qv '^not-installed$'; then
  skip "a package mlq is installed here already: not touching it"
fi
for path in /etc/mlq /var/lib/mlq; do
  [[ ! -e "$path" ]] || skip "$path exists already: not touching it"
done
user_existed=false
if getent passwd mlq >/dev/null; then user_existed=true; fi

tmp=$(mktemp -d)
mlqd_pid=""
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$mlqd_pid" ]] && kill -0 "$mlqd_pid" 2>/dev/null; then
    kill -KILL "$mlqd_pid"
    wait "$mlqd_pid" 2>/dev/null
  fi
  if dpkg-query -W -f='${db:Status-Status}' mlq 2>/dev/null | grep -qv '^not-installed$'; then
    log "cleanup: purging mlq"
    dpkg --purge mlq >/dev/null
  fi
  if [[ "$user_existed" == false ]] && getent passwd mlq >/dev/null; then
    deluser --system --quiet mlq >/dev/null 2>&1 || userdel mlq
    getent group mlq >/dev/null && groupdel mlq
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. Build.
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n "$version" ]] || fail "no CPACK_PACKAGE_VERSION in CPackConfig.cmake"
(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; fail "cpack"; }
deb="$tmp/pkg/mlq_${version}_amd64.deb"
[[ -f "$deb" ]] || fail "no $deb: $(ls "$tmp/pkg")"
log "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# 2. Control data.
depends=$(dpkg-deb -f "$deb" Depends)
log "Depends: $depends"
# RocksDB is linked statically (the Debian CMake target is librocksdb.a);
# its compression libraries are not.
for lib in libc6 libgrpc++ libsystemd0 libzstd1 adduser; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib (shlibdeps?): $depends"
done
dpkg-deb -e "$deb" "$tmp/control"
[[ "$(cat "$tmp/control/conffiles")" == /etc/mlq/mlqd.conf ]] || fail "conffiles: $(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
  [[ -x "$tmp/control/$script" ]] || fail "no executable $script"
done
dpkg-deb -c "$deb" >"$tmp/contents"
for path in ./usr/bin/mlqd ./usr/bin/mlq ./etc/mlq/mlqd.conf ./usr/lib/systemd/system/mlqd.service \
  ./usr/share/doc/mlq/README.md ./usr/share/doc/mlq/SENDERS.md; do
  grep -q " $path\$" "$tmp/contents" || fail "$path not in the package"
done

# 3. Install.
apt-get install "${apt_opts[@]}" "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get install"; }
log "installed $(dpkg-query -W -f='${Package} ${Version}' mlq)"
dpkg -L mlq >"$tmp/files"
getent passwd mlq >/dev/null || fail "no user mlq"
uid=$(id -u mlq)
((uid < 1000)) || fail "mlq is not a system user (uid $uid)"
[[ "$(getent passwd mlq | cut -d: -f7)" == */nologin ]] || fail "mlq has a login shell"
[[ "$(stat -c '%U:%G %a' /var/lib/mlq)" == "mlq:mlq 700" ]] ||
  fail "/var/lib/mlq is $(stat -c '%U:%G %a' /var/lib/mlq)"
[[ -x /usr/bin/mlqd && -x /usr/bin/mlq && -f /etc/mlq/mlqd.conf ]] || fail "files missing"
systemd-analyze verify /usr/lib/systemd/system/mlqd.service 2>"$tmp/verify.err" ||
  { cat "$tmp/verify.err" >&2; fail "systemd-analyze verify of the installed unit"; }
[[ ! -s "$tmp/verify.err" ]] || { cat "$tmp/verify.err" >&2; fail "systemd-analyze verify warned"; }
/usr/bin/mlq --version >/dev/null || fail "mlq --version"

# 4. Run the installed mlqd as user mlq with the installed config. Ports
# come from flags (they override the file): 127.0.0.1, any free port.
cd /
setpriv --reuid=mlq --regid=mlq --init-groups --inh-caps=-all \
  /usr/bin/mlqd --config /etc/mlq/mlqd.conf --syslog-udp 127.0.0.1:0 \
  --syslog-tcp 127.0.0.1:0 --grpc 127.0.0.1:0 2>"$tmp/mlqd.log" &
mlqd_pid=$!
for _ in $(seq 1 600); do
  grep -q "mlqd: ready" "$tmp/mlqd.log" && break
  kill -0 "$mlqd_pid" 2>/dev/null || { cat "$tmp/mlqd.log" >&2; fail "mlqd exited"; }
  sleep 0.1
done
grep -q "mlqd: ready" "$tmp/mlqd.log" || { cat "$tmp/mlqd.log" >&2; fail "mlqd not ready in 60 s"; }
grep -q "store /var/lib/mlq" "$tmp/mlqd.log" || fail "mlqd did not use the config's /var/lib/mlq"
grpc=$(sed -n 's/^mlqd: listening grpc //p' "$tmp/mlqd.log")
tcp_port=$(sed -n 's/^mlqd: listening tcp .*:\([0-9]*\)$/\1/p' "$tmp/mlqd.log")
[[ -n "$grpc" && -n "$tcp_port" ]] || { cat "$tmp/mlqd.log" >&2; fail "no listening lines"; }
[[ "$(ps -o user= -p "$mlqd_pid")" == mlq ]] || fail "mlqd does not run as mlq"
logger -n 127.0.0.1 -P "$tcp_port" --tcp --octet-count -t postfix/cleanup --id=4242 \
  '4Ldr9y6wlvz3xgh: message-id=<package-test-1@example.org>'
found=false
for _ in $(seq 1 100); do
  if /usr/bin/mlq --server "$grpc" find --message-id package-test-1@example.org >"$tmp/find" 2>&1; then
    found=true
    break
  fi
  sleep 0.2
done
[[ "$found" == true ]] || { cat "$tmp/find" "$tmp/mlqd.log" >&2; fail "mlq find"; }
/usr/bin/mlq --server "$grpc" status >"$tmp/status" || fail "mlq status"
log "mlq find and mlq status answer from the installed mlqd"
[[ -z "$(find /var/lib/mlq ! -user mlq)" ]] || fail "files in /var/lib/mlq not owned by mlq"
kill -HUP "$mlqd_pid"
for _ in $(seq 1 100); do
  grep -q "SIGHUP:" "$tmp/mlqd.log" && break
  sleep 0.1
done
grep -q "SIGHUP: retention" "$tmp/mlqd.log" || { cat "$tmp/mlqd.log" >&2; fail "SIGHUP reload"; }
kill -TERM "$mlqd_pid"
rc=0
wait "$mlqd_pid" || rc=$?
mlqd_pid=""
[[ $rc -eq 0 ]] || { cat "$tmp/mlqd.log" >&2; fail "mlqd exited $rc on SIGTERM"; }
log "mlqd ran as mlq, reloaded on SIGHUP, stopped cleanly"

# 5. Remove keeps config and data; purge removes them; the user stays.
echo "# edited by package_test" >>/etc/mlq/mlqd.conf
apt-get remove "${apt_opts[@]}" mlq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get remove"; }
[[ ! -e /usr/bin/mlqd ]] || fail "remove left /usr/bin/mlqd"
grep -q "edited by package_test" /etc/mlq/mlqd.conf || fail "remove lost the edited conffile"
[[ -d /var/lib/mlq ]] || fail "remove deleted /var/lib/mlq"
apt-get purge "${apt_opts[@]}" mlq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get purge"; }
if dpkg-query -W -f='${db:Status-Status}' mlq 2>/dev/null | grep -qv '^not-installed$'; then
  fail "mlq still known to dpkg after purge"
fi
left=()
while read -r path; do
  # Directories shared with other packages (/usr, /etc, ...) stay.
  if [[ -e "$path" && ! -d "$path" ]] || [[ "$path" == *mlq* && -e "$path" ]]; then left+=("$path"); fi
done <"$tmp/files"
[[ ${#left[@]} -eq 0 ]] || fail "purge left: ${left[*]}"
[[ ! -e /etc/mlq && ! -e /var/lib/mlq ]] || fail "purge left /etc/mlq or /var/lib/mlq"
getent passwd mlq >/dev/null || fail "purge removed the user mlq (policy: keep it)"
log "remove kept the conffile and the data; purge left nothing but the user mlq"
log "PASS"
