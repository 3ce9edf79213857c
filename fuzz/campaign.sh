#!/usr/bin/env bash
# A fuzzing campaign: builds the fuzz targets (clang-14, libFuzzer, ASan,
# UBSan) into build-fuzz/, builds the seed corpora (fuzz/seeds.sh), runs every
# target for a time or a number of runs, keeps what it finds, and prints
#
#   | target | execs | execs/s | CPU s | execs/CPU s | crashes | corpus |
#
# Usage: fuzz/campaign.sh [--time SECONDS | --runs N] [--jobs N]
#                         [--targets "framer relp_frame ..."] [--build DIR]
#                         [--out DIR] [--no-build] [--fresh]
#
#   --time S     seconds per target (default 60)
#   --runs N     inputs per target instead of a time (libFuzzer -runs)
#   --jobs N     parallel fuzzing processes per target (libFuzzer -jobs and
#                -workers; the machine's cores are the useful maximum)
#   --targets    a subset, by name (default: all seven)
#   --build DIR  build folder (default build-fuzz; MLQ_FUZZ=ON, clang++-14)
#   --out DIR    where corpora, crashes and logs go (default BUILD/campaign);
#                the corpora grow from one campaign to the next
#   --no-build   use the binaries as they are
#   --fresh      start the corpora from the seeds again and forget earlier
#                findings (CI)
#   --keep-seeds use OUT/seeds as they are when present (a campaign run in
#                many slices builds them once)
#
# Every run appends one row per target to OUT/ledger.tsv (date, the commit
# the binaries were built from, target, execs, CPU s, findings); the script ends with the totals over all
# runs in that ledger, the campaign's figures for docs/FUZZING.md.
#
# Findings (crash-*, leak-*, timeout-*, oom-* inputs) land in
# OUT/crashes/<target>/; reproduce one with `BUILD/fuzz/<target>_fuzz FILE`.
# Exit status: 0 when nothing was found, 1 when a target crashed, leaked,
# hung or ran out of memory, 2 on a usage or build error. deploy/test.sh
# runs it for a short time per target (CI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
all_targets=(framer syslog_parser line_parser record_codec record_block page_token config relp_frame)

seconds=60
runs=""
jobs=1
targets=("${all_targets[@]}")
build=$root/build-fuzz
out=""
do_build=1
fresh=0
keep_seeds=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --targets) read -r -a targets <<<"$2"; shift 2 ;;
    --build) build=$(realpath -m "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --no-build) do_build=0; shift ;;
    --fresh) fresh=1; shift ;;
    --keep-seeds) keep_seeds=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "campaign: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-$build/campaign}
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "campaign: no target $t" >&2; exit 2; }
done

if [[ $do_build -eq 1 ]]; then
  command -v clang++-14 >/dev/null || {
    echo "campaign: clang++-14 missing (deploy/install-deps.sh --test installs it)" >&2
    exit 2
  }
  build_start=$(date +%s)
  cmake -S "$root" -B "$build" -G Ninja -DMLQ_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
  nice cmake --build "$build" --target fuzz_all -j "${MLQ_JOBS:-$(nproc)}" || exit 2
  echo "campaign: build took $(($(date +%s) - build_start)) s"
  # The ledger names the commit the binaries were built from, not the one
  # checked out when a later --no-build run uses them ("+dirty": with
  # uncommitted changes).
  built=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if ! git -C "$root" diff --quiet HEAD 2>/dev/null; then built+="+dirty"; fi
  echo "$built" >"$build/fuzz/built-from"
fi

mkdir -p "$out"
if [[ $keep_seeds -eq 0 || ! -d "$out/seeds/config" ]]; then
  "$root/fuzz/seeds.sh" "$out/seeds" || exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

commit=$(cat "$build/fuzz/built-from" 2>/dev/null || echo unknown)
found=0
table="| target | execs | execs/s | CPU s | execs/CPU s | crashes | corpus |"
table+=$'\n'"|---|---:|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do
  bin=$build/fuzz/${t}_fuzz
  [[ -x "$bin" ]] || { echo "campaign: $bin missing (build first)" >&2; exit 2; }
  corpus=$out/corpus/$t
  crashes=$out/crashes/$t
  logs=$out/logs/$t
  if [[ $fresh -eq 1 ]]; then rm -rf "$corpus" "$crashes"; fi
  rm -rf "$logs"
  mkdir -p "$corpus" "$crashes" "$logs"
  before=$(find "$crashes" -type f | wc -l)

  flags=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/")
  if [[ -n "$runs" ]]; then flags+=(-runs="$runs"); else flags+=(-max_total_time="$seconds"); fi
  echo "campaign: $t ..."
  start=$(date +%s.%N)
  rc=0
  # `time` gives the CPU seconds (user + sys, jobs included): on a shared
  # machine execs per CPU second says more than execs per wall second.
  TIMEFORMAT='%U %S'
  if [[ $jobs -gt 1 ]]; then
    # Each job writes fuzz-<n>.log into the working folder.
    { time (cd "$logs" && "$bin" "${flags[@]}" -jobs="$jobs" -workers="$jobs" "$corpus" \
      "$out/seeds/$t" >"$logs/main.log" 2>&1); } 2>"$logs/cpu" || rc=$?
  else
    { time "$bin" "${flags[@]}" "$corpus" "$out/seeds/$t" >"$logs/fuzz-0.log" 2>&1; } \
      2>"$logs/cpu" || rc=$?
  fi
  cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$logs/cpu")
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  execs=$(cat "$logs"/fuzz-*.log 2>/dev/null |
    awk '/^stat::number_of_executed_units:/ { s += $2 } END { print s + 0 }')
  rate=$(awk -v e="$execs" -v s="$elapsed" 'BEGIN { printf "%d", e / s }')
  cpu_rate=$(awk -v e="$execs" -v s="$cpu" 'BEGIN { printf "%d", (s > 0 ? e / s : 0) }')
  new=$(($(find "$crashes" -type f | wc -l) - before))
  if [[ $rc -ne 0 && $new -eq 0 ]]; then
    # libFuzzer stopped with an error but left no input: still a finding.
    new=1
    echo "campaign: $t exited with $rc; see $logs" >&2
  fi
  if [[ $new -gt 0 ]]; then
    found=1
    echo "campaign: $t FOUND $new input(s) in $crashes; log: $logs" >&2
    grep -h -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|fuzz invariant failed" \
      "$logs"/*.log >&2 || true
  fi
  # libFuzzer's corpus at the end (seeds that add coverage + new inputs),
  # the largest over the jobs.
  size=$( (grep -ho "corp: [0-9]*" "$logs"/fuzz-*.log 2>/dev/null || true) |
    awk '$2 > m { m = $2 } END { print m + 0 }')
  table+=$'\n'"| $t | $execs | $rate | $cpu | $cpu_rate | $new | $size |"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" "$t" "$execs" \
    "$cpu" "$new" >>"$out/ledger.tsv"
done

echo
echo "fuzz campaign $(date -u +%Y-%m-%dT%H:%MZ), ${runs:+$runs runs}${runs:-$seconds s} per target, $jobs job(s):"
echo "$table"
echo
echo "all runs in $out/ledger.tsv:"
echo "| target | runs | execs | CPU h | execs/CPU s | findings |"
echo "|---|---:|---:|---:|---:|---:|"
awk -F'\t' '{ n[$3]++; e[$3] += $4; c[$3] += $5; f[$3] += $6 }
  END { for (t in n) printf "| %s | %d | %d | %.2f | %d | %d |\n", t, n[t], e[t], c[t] / 3600,
        (c[t] > 0 ? e[t] / c[t] : 0), f[t] }' "$out/ledger.tsv" | sort
exit $found
