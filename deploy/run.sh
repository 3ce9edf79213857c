#!/usr/bin/env bash
# Set-up command 1: installs dependencies, builds, and runs mlqd in the
# foreground on its embedded default store (./mlq-data), syslog on port 5514
# (UDP and TCP), gRPC on 127.0.0.1:7600. Extra arguments go to mlqd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
"$root/deploy/build.sh"
exec "${MLQ_BUILD_DIR:-$root/build}/daemon/mlqd" "$@"
