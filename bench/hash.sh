#!/usr/bin/env bash
# SHA-1 + SHA-256 of a 2 GB IPSW in one read (`restore-doctor ipsw FILE --verify`) against
# `openssl dgst -sha256` alone (target: <= 1.15x) and against `sha1sum` + `sha256sum` run one
# after the other (two reads). The file is made once and stays in the page cache; each tool
# runs RUNS times and the best time counts.
#
#   bench/hash.sh [SIZE_MIB] [RUNS]     default: 2048 MiB, 3 runs
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-2048}
RUNS=${2:-3}
for t in openssl sha1sum sha256sum; do
  command -v "$t" >/dev/null || { echo "bench/hash.sh: $t is needed as a peer" >&2; exit 2; }
done
cargo build --release -q -p restore-doctor
cargo build --release -q -p rd-firmware --example make_ipsw
BIN=target/release/restore-doctor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FILE="$WORK/iPhone10,3,iPhone10,6_16.7.10_20H350_Restore.ipsw"
target/release/examples/make_ipsw random "$FILE" "$SIZE"
cat "$FILE" > /dev/null   # warm the page cache

now() { date +%s.%N; }
best() { # best wall time of RUNS runs of "$@"
  local b=999999 s e t
  for _ in $(seq 1 "$RUNS"); do
    s=$(now); "$@" > /dev/null 2>&1 || true; e=$(now)
    t=$(echo "$e - $s" | bc -l)
    b=$(echo "if ($t < $b) $t else $b" | bc -l)
  done
  echo "$b"
}
both_sums() { sha1sum "$1" && sha256sum "$1"; }

# The digests must agree with the peers before any time counts.
# (exit status 1 is expected: the synthetic file reuses a real build number, so its digests
# differ from the catalog's.)
ours=$({ "$BIN" ipsw "$FILE" --verify --json --cache-dir "$WORK/cache" || true; } | grep -o 'SHA-1 [0-9a-f]*  SHA-256 [0-9a-f]*' | head -1)
want="SHA-1 $(sha1sum "$FILE" | cut -d' ' -f1)  SHA-256 $(sha256sum "$FILE" | cut -d' ' -f1)"
[ "$ours" = "$want" ] || { echo "digest mismatch: $ours vs $want" >&2; exit 1; }

rd=$(best "$BIN" ipsw "$FILE" --verify --cache-dir "$WORK/cache")
ossl=$(best openssl dgst -sha256 "$FILE")
pair=$(best both_sums "$FILE")
bytes=$(stat -c %s "$FILE")
printf 'file: %s MiB (%s bytes), best of %s runs, sha_ni: %s\n' "$SIZE" "$bytes" "$RUNS" \
  "$(grep -q sha_ni /proc/cpuinfo && echo yes || echo no)"
printf 'restore-doctor ipsw --verify (SHA-1 + SHA-256, one read): %6.3f s  %7.0f MB/s\n' "$rd" "$(echo "$bytes / $rd / 1000000" | bc -l)"
printf 'openssl dgst -sha256 (SHA-256 only):                     %6.3f s\n' "$ossl"
printf 'sha1sum + sha256sum (two reads):                         %6.3f s\n' "$pair"
printf 'ratio vs openssl sha256 alone: %.2fx (target <= 1.15)\n' "$(echo "$rd / $ossl" | bc -l)"
printf 'ratio vs sha1sum + sha256sum:  %.2fx\n' "$(echo "$rd / $pair" | bc -l)"
