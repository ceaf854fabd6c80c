#!/usr/bin/env bash
# Time to read the manifest of a 5 GiB zip64 IPSW, per process, including process start:
# `restore-doctor ipsw FILE --json` (zip directory + BuildManifest + Restore.plist + verdicts)
# against `unzip -p FILE BuildManifest.plist`. Target: <= 20 ms per process.
# The IPSW is sparse (a 5 GiB hole, then the manifests), so it costs no disk.
#
#   bench/manifest.sh [RUNS]     default: 50 runs of each
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-50}
command -v unzip >/dev/null || { echo "bench/manifest.sh: unzip is needed as the peer" >&2; exit 2; }
cargo build --release -q -p restore-doctor
cargo build --release -q -p rd-firmware --example make_ipsw
BIN=target/release/restore-doctor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FILE="$WORK/iPhone10,3,iPhone10,6_16.7.10_20H350_Restore.ipsw"
target/release/examples/make_ipsw sparse "$FILE" 5

# Both must actually read the manifest.
"$BIN" ipsw "$FILE" --json --cache-dir "$WORK/cache" | grep -q '"build": "20H350"' || { echo "restore-doctor failed" >&2; exit 1; }
unzip -p "$FILE" BuildManifest.plist | grep -q 20H350 || { echo "unzip failed" >&2; exit 1; }

now() { date +%s%N; }
per_run_ms() { # average ms per process over RUNS runs of "$@"
  local s e
  s=$(now)
  for _ in $(seq 1 "$RUNS"); do "$@" > /dev/null 2>&1; done
  e=$(now)
  echo "($e - $s) / $RUNS / 1000000" | bc -l
}
rd=$(per_run_ms "$BIN" ipsw "$FILE" --json --device iPhone10,6 --cache-dir "$WORK/cache")
uz=$(per_run_ms unzip -p "$FILE" BuildManifest.plist)
printf 'file: %s bytes (sparse zip64), %s runs each\n' "$(stat -c %s "$FILE")" "$RUNS"
printf 'restore-doctor ipsw --json --device: %6.2f ms per process (target <= 20)\n' "$rd"
printf 'unzip -p BuildManifest.plist:        %6.2f ms per process\n' "$uz"
printf 'ratio restore-doctor / unzip: %.2fx\n' "$(echo "$rd / $uz" | bc -l)"
