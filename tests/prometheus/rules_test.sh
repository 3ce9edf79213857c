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
# Usage: rules_test.sh SOURCE_DIR rules|unit|config|alertmanager
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
  *)
    echo "usage: $0 SOURCE_DIR rules|unit|config|alertmanager" >&2
    exit 2
    ;;
esac
