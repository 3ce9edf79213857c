#!/usr/bin/env bash
# Checks deploy/prometheus/ with Prometheus's and Alertmanager's own tools:
#   rules         promtool check rules mlq-rules.yml (syntax, PromQL, templates)
#   unit          promtool test rules tests/*.yml, and that every alert of
#                 mlq-rules.yml has a case where it fires and one where it
#                 must not
#   config        promtool check config prometheus.yml (paths moved to a
#                 temporary folder, with the rules file and stand-in
#                 credential files)
#   alertmanager  amtool check-config alertmanager.yml, and its routes:
#                 critical to on-call, warning to mail-team
#   inhibit       a real Alertmanager with alertmanager.yml: alerts posted
#                 with amtool, the inhibit rules mute the expected ones
# Usage: rules_test.sh SOURCE_DIR rules|unit|config|alertmanager|inhibit
# promtool (Debian package prometheus) and amtool (prometheus-alertmanager)
# come from deploy/install-deps.sh --test. Exit 77 (skipped) when the tool
# is missing; a failure under CI=true.
set -euo pipefail
src=$1
what=$2
dir=$src/deploy/prometheus

need() {
  command -v "$1" >/dev/null && return 0
  if [[ "${CI:-}" == true ]]; then
    echo "rules_test: $1 missing (Debian package $2; deploy/install-deps.sh --test)" >&2
    exit 1
  fi
  echo "rules_test: SKIP: $1 missing (Debian package $2; deploy/install-deps.sh --test)"
  exit 77
}

case $what in
  rules)
    need promtool prometheus
    promtool check rules "$dir/mlq-rules.yml"
    ;;
  unit)
    need promtool prometheus
    shopt -s nullglob
    tests=("$dir"/tests/*.yml)
    [[ ${#tests[@]} -gt 0 ]] || { echo "rules_test: no tests in $dir/tests" >&2; exit 1; }
    promtool test rules "${tests[@]}"
    # Every alert: a case where it fires and one where it does not.
    missing=0
    for alert in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$dir/mlq-rules.yml"); do
      read -r fires quiet < <(awk -v a="$alert" '
        /^ *alertname:/ { cur = $2 }
        /^ *exp_alerts: *\[\] *$/ { if (cur == a) q++; next }
        /^ *exp_alerts: *$/ { if (cur == a) f++ }
        END { print f + 0, q + 0 }' "${tests[@]}")
      if [[ $fires -eq 0 || $quiet -eq 0 ]]; then
        echo "rules_test: alert $alert: $fires case(s) where it fires, $quiet where it must not" >&2
        missing=1
      fi
    done
    [[ $missing -eq 0 ]] || exit 1
    echo "rules_test: every alert has a firing and a quiet case"
    ;;
  config)
    need promtool prometheus
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    sed "s#/etc/prometheus/#$tmp/#g" "$dir/prometheus.yml" >"$tmp/prometheus.yml"
    cp "$dir/mlq-rules.yml" "$tmp/"
    echo placeholder-token >"$tmp/mlq.token"
    : >"$tmp/mlq-ca.pem"
    promtool check config "$tmp/prometheus.yml"
    ;;
  alertmanager)
    need amtool prometheus-alertmanager
    amtool check-config "$dir/alertmanager.yml"
    route() {  # expected receiver, then labels
      local want=$1
      shift
      amtool config routes test --config.file="$dir/alertmanager.yml" \
        --verify.receivers="$want" "$@" 2>/dev/null ||
        { echo "rules_test: $* is not routed to $want" >&2; exit 1; }
    }
    route on-call severity=critical alertname=MlqdDown instance=mlq:9750
    route on-call severity=critical alertname=MailOwnIpBlocklisted host=mx1
    route mail-team severity=warning alertname=MailDomainBounceRateHigh domain=gmail.com
    route mail-team alertname=SomethingElse
    ;;
  inhibit)
    # A real Alertmanager with alertmanager.yml on a free loopback port (no
    # cluster), alerts posted with amtool: which ones its inhibit rules mute.
    need amtool prometheus-alertmanager
    am=/usr/bin/prometheus-alertmanager
    [[ -x $am ]] || need prometheus-alertmanager prometheus-alertmanager
    tmp=$(mktemp -d)
    pid=
    trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
    "$am" --config.file="$dir/alertmanager.yml" --storage.path="$tmp/data" \
      --web.listen-address=127.0.0.1:0 --cluster.listen-address= >"$tmp/log" 2>&1 &
    pid=$!
    addr=
    for _ in $(seq 100); do
      addr=$(sed -n 's/.*msg="Listening on" address=\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$tmp/log" | head -1)
      [[ -n $addr ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    [[ -n $addr ]] || { cat "$tmp/log" >&2; echo "rules_test: alertmanager did not start" >&2; exit 1; }
    url=http://$addr
    add() { amtool --alertmanager.url="$url" alert add "$@" >/dev/null; }
    add alertname=MlqdDown job=mlq instance=a:9750 severity=critical
    add alertname=MailHostSilent job=mlq instance=a:9750 host=mx1 severity=warning
    add alertname=MailDomainBounceRateHigh job=mlq instance=a:9750 domain=gmail.com severity=warning
    add alertname=MailHostSilent job=mlq instance=c:9750 host=mx3 severity=warning
    add alertname=MlqStoreReadOnly job=mlq instance=b:9750 severity=critical
    add alertname=MlqStoreUnavailable job=mlq instance=b:9750 severity=critical
    add alertname=MlqdDroppingLines job=mlq instance=b:9750 reason=queue_full severity=warning
    add alertname=MlqDiskFreeLow job=mlq instance=d:9750 severity=critical
    add alertname=MlqDiskFillingUp job=mlq instance=d:9750 severity=warning
    # "alertname instance" of each alert in a state, sorted.
    list() {
      amtool --alertmanager.url="$url" alert query "$1" -o extended |
        sed -n 's/^alertname="\([^"]*\)".* instance="\([^"]*\)".*/\1 \2/p' | sort | tr '\n' ';'
    }
    want_muted="MailDomainBounceRateHigh a:9750;MailHostSilent a:9750;MlqDiskFillingUp d:9750;MlqStoreUnavailable b:9750;MlqdDroppingLines b:9750;"
    want_active="MailHostSilent c:9750;MlqDiskFreeLow d:9750;MlqStoreReadOnly b:9750;MlqdDown a:9750;"
    muted= active=
    for _ in $(seq 50); do  # inhibition is computed as alerts arrive: wait a moment
      muted=$(list --inhibited)
      active=$(list --active)
      [[ $muted == "$want_muted" && $active == "$want_active" ]] && break
      sleep 0.1
    done
    echo "rules_test: inhibited: $muted"
    echo "rules_test: active:    $active"
    [[ $muted == "$want_muted" ]] || { echo "rules_test: inhibited should be $want_muted" >&2; exit 1; }
    [[ $active == "$want_active" ]] || { echo "rules_test: active should be $want_active" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 SOURCE_DIR rules|unit|config|alertmanager|inhibit" >&2
    exit 2
    ;;
esac
