#!/usr/bin/env bash
# Installs what mlq needs to build, run and test, from Debian 12 packages.
# Idempotent: installs only what is missing; runs apt-get update only then.
# Usage: deploy/install-deps.sh [--test|--bench]   (--test adds what the tests start
#        and the fuzz build needs, --bench what bench/run.sh measures with)
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev
  librocksdb-dev libzstd-dev liblz4-dev libsnappy-dev libbz2-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libssl-dev libabsl-dev libcli11-dev
  # mlq links the static archives of the gRPC stack (cli/CMakeLists.txt):
  # these -dev packages hold libcares.a and libre2.a (gRPC's needs).
  libc-ares-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsystemd-dev
)
# Packaging (cpack -G DEB, deploy/package): dpkg-shlibdeps from dpkg-dev
# computes the runtime dependencies, and CPack finds the ELF files with file.
build_pkgs+=(dpkg-dev file)
# Real programs the integration tests start: util-linux logger.
test_pkgs=(bsdutils nlohmann-json3-dev openssl)
# The package test (tests/package) installs the .deb, whose maintainer
# scripts need adduser; systemd-analyze (package systemd) verifies the unit;
# it works without systemd as PID 1; strace records the system calls mlqd
# makes, to check them against the unit's SystemCallFilter=.
test_pkgs+=(adduser systemd strace)
# Prometheus 2.42 (promtool checks and unit-tests deploy/prometheus's rules;
# the integration test runs the server itself, /usr/bin/prometheus) and
# Alertmanager (amtool checks the example config). On a machine with systemd
# the packages also start their own services (ports 9090, 9093); the tests
# never use those: they start their own Prometheus on a free port.
test_pkgs+=(prometheus prometheus-alertmanager)
# clang-14 with its sanitizer and libFuzzer runtimes (and llvm-symbolizer
# for readable stacks): deploy/test.sh runs every fuzz target of fuzz/ for a
# short time. libclang-rt-14-dev is only a recommendation of clang-14, and
# recommendations are not installed here.
test_pkgs+=(clang-14 libclang-rt-14-dev libfuzzer-14-dev llvm-14)
# Node.js and npm for the gRPC client test from another ecosystem
# (tests/node; npm fetches @grpc/grpc-js at test time). Only when missing:
# a NodeSource nodejs already ships npm, and Debian's npm package would
# conflict with it.
if ! command -v node >/dev/null; then test_pkgs+=(nodejs); fi
if ! command -v npm >/dev/null; then test_pkgs+=(npm); fi
# Debian's Chromium for the browser tests of the web page (tests/browser,
# driven headless by playwright-core, which downloads no browser of its own).
test_pkgs+=(chromium)

# What bench/run.sh needs on top (--bench): perf for the profile, RocksDB's
# ldb for a full compaction, jq, gzip; rsyslog and syslog-ng to compare with
# come from install-test-senders.sh (never as the system logger).
bench_pkgs=(linux-perf rocksdb-tools jq gzip)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi
if [[ "${1:-}" == "--test" ]]; then "$(dirname "$0")/install-test-senders.sh"; fi  # rsyslog, syslog-ng
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi
if [[ "${1:-}" == "--bench" && -f "$(dirname "$0")/install-test-senders.sh" ]]; then
  bash "$(dirname "$0")/install-test-senders.sh"  # rsyslog, syslog-ng to compare with
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
