#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target from tests/data and the shared
# corpus (../shared/corpus from the repository root), one folder per target:
#
#   fuzz/seeds.sh OUT_DIR
#
# OUT_DIR/<target>/ then holds small files, one input each (nothing large is
# copied: a few dozen lines per log file). Without ../shared/corpus only
# tests/data is used, with a warning; under CI=true that is an error, as for
# the tests. Safe to run again (the folders are rebuilt).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fuzz/seeds.sh OUT_DIR}
corpus=${MLQ_CORPUS:-$root/../shared/corpus}
per_file=${MLQ_SEED_LINES:-40}  # lines taken from each log file
export LC_ALL=C                 # byte lengths and byte-exact files

if [[ ! -d "$corpus/mail" || ! -d "$corpus/syslog" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "seeds: $corpus is missing (needed under CI=true)" >&2
    exit 1
  fi
  echo "seeds: warning: $corpus is missing; seeding from tests/data only" >&2
  corpus=""
fi

targets=(framer syslog_parser line_parser record_codec record_block page_token config relp_frame)
for t in "${targets[@]}"; do
  rm -rf "${out:?}/$t"
  mkdir -p "$out/$t"
done

# Log files: real lines, one per line. tests/data/*/corpus and the seeds,
# the shared corpus's mail/ folder.
log_files=()
while IFS= read -r -d '' f; do log_files+=("$f"); done < <(
  find "$root/tests/data" -type f \( -name '*.log' -o -name 'cases.txt' -o -path '*/other_mta/*.txt' \) -print0
  if [[ -n "$corpus" ]]; then find "$corpus/mail" -type f -name '*.log' -print0; fi
)
# Syslog vector tables: the first column of every row but the header, with
# the corpus escapes (\\ \t \n \r \xHH), which printf %b undoes exactly.
tsv_files=()
while IFS= read -r -d '' f; do tsv_files+=("$f"); done < <(
  find "$root/tests/data/syslog" -type f -name '*.tsv' -print0
  if [[ -n "$corpus" ]]; then find "$corpus/syslog" -type f -name '*.tsv' -print0; fi
)

n=0
# One line per seed file (the first $per_file non-empty lines of each log):
# syslog_parser and line_parser.
for f in "${log_files[@]}"; do
  n=$((n + 1))
  awk -v dir="$out/line_parser" -v tag="log$n" -v max="$per_file" '
    length($0) > 0 && !/^#/ && k < max { k++; p = dir "/" tag "-" k; printf "%s", $0 > p; close(p) }
  ' "$f"
done
n=0
for f in "${tsv_files[@]}"; do
  n=$((n + 1))
  k=0
  while IFS=$'\t' read -r input _; do
    k=$((k + 1))
    [[ $k -eq 1 ]] && continue  # header
    printf '%b' "$input" >"$out/line_parser/tsv$n-$k"
  done <"$f"
done
cp "$out/line_parser/"* "$out/syslog_parser/"

# Streams for the framer: LF-framed and octet-counted runs of lines, the
# RFC 6587 vectors (whole streams), and CRLF endings.
n=0
for f in "${log_files[@]}"; do
  n=$((n + 1))
  [[ $((n % 4)) -eq 0 ]] || continue  # a quarter of the files is plenty
  head -n 20 "$f" >"$out/framer/lf$n"
  awk '{ printf "%d %s", length($0), $0 }' <(head -n 20 "$f") >"$out/framer/octets$n"
  awk '{ printf "%s\r\n", $0 }' <(head -n 5 "$f") >"$out/framer/crlf$n"
  awk 'NR % 2 { printf "%d %s", length($0), $0; next } { print }' <(head -n 10 "$f") >"$out/framer/mixed$n"
done
for f in "${tsv_files[@]}"; do
  case "$f" in *rfc6587*) ;; *) continue ;; esac
  k=0
  while IFS=$'\t' read -r input _; do
    k=$((k + 1))
    [[ $k -eq 1 ]] && continue
    printf '%b' "$input" >"$out/framer/$(basename "$f" .tsv)-$k"
  done <"$f"
done

# RELP sessions: open, a few syslog frames with real lines, close.
n=0
for f in "${log_files[@]}"; do
  n=$((n + 1))
  [[ $((n % 4)) -eq 1 ]] || continue
  awk '
    BEGIN { offer = "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog"
            printf "1 open %d %s\n", length(offer), offer; t = 1 }
    NR <= 8 { t++; printf "%d syslog %d %s\n", t, length($0), $0 }
    END { t++; printf "%d close 0\n", t }
  ' "$f" >"$out/relp_frame/session$n"
done
printf '1 open 0\n2 syslog 0\n3 close 0\n' >"$out/relp_frame/empty-data"
printf '999999999 syslog 5 hello\n' >"$out/relp_frame/max-txnr"

# Record codec: FuzzedDataProvider input, any bytes; a sample of lines.
mapfile -t lines < <(ls "$out/line_parser")
for s in "${lines[@]:0:200}"; do cp "$out/line_parser/$s" "$out/record_codec/"; done
printf '\001\000' >"$out/record_codec/empty-record"

# Record blocks: lines as records (first byte 'U', 85-169), as damaged
# blocks ('\001' and a stored block), as postings ('\252') and as the terms
# of a group's blocks ('\377').
for s in "${lines[@]:0:100}"; do
  { printf 'U'; cat "$out/line_parser/$s"; } >"$out/record_block/records-$s"
  { printf '\001\001\000'; cat "$out/line_parser/$s"; } >"$out/record_block/block-$s"
done
printf '\000\001\000\005\001\002\002\001\000' >"$out/record_block/stored-block"
printf '\252\003\001\001\001' >"$out/record_block/posting"
printf '\252\001\376\377\003' >"$out/record_block/posting-max"
for s in "${lines[@]:0:30}"; do
  { printf '\377'; cat "$out/line_parser/$s"; } >"$out/record_block/terms-$s"
done

# Page tokens: valid tokens (version 1, fingerprint, 16-byte key) and junk.
token() { printf "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
token '\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\007' >"$out/page_token/fp0"
token '\001\357\315\253\211\147\105\043\001\200\000\001\232\063\044\125\000\000\000\000\000\000\000\000\052' >"$out/page_token/fp"
printf 'not-a-token' >"$out/page_token/junk"

# Config files: the keys mlqd documents, in the forms CLI11 reads.
cfg() { printf '%b' "$2" >"$out/config/$1"; }
cfg readme 'syslog-tcp = "0.0.0.0:6514"\n'
cfg retention 'retention = 30d\nmax-disk = 200G\ndisk-reserve = 512M\n'
cfg tls '[default]\nsyslog-tls = 0.0.0.0:6514\ntls-cert = /etc/mlq/tls/server.pem\ntls-key = /etc/mlq/tls/server.key\ntls-client-ca = /etc/mlq/tls/ca.pem\n'
cfg relp 'syslog-relp = "0.0.0.0:2514"\nrelp-tls = true\ntls-cert = a.pem\ntls-key = a.key\n'
cfg all 'data = "/var/lib/mlq"\nsyslog-udp = ""\nidle-timeout = 30\ngrpc = "127.0.0.1:0"\nmax-message = 480\nmax-connections = 10\ntimezone = "Europe/Berlin"\nlistener-timezone = ["udp=UTC", "tcp=local"]\nsync-writes = false\nqueue-records = 1000\n'
cfg comments '# mlqd\n; comment\nmax-message=65536 # inline\n\n'
cfg empty ''

for t in "${targets[@]}"; do
  printf 'seeds: %-14s %5d files\n' "$t" "$(find "$out/$t" -type f | wc -l)"
done
