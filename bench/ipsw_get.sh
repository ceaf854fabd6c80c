#!/usr/bin/env bash
# `restore-doctor ipsw get` (download + SHA-1 + SHA-256 while downloading) vs. `curl -o` alone
# and vs. `curl -o` followed by `sha1sum` and `sha256sum`, same loopback server, same run.
#
#   bench/ipsw_get.sh [SIZE_MiB] [RUNS]      default: 2048 MiB, 3 runs (best of each is kept)
#
# The file is random bytes in a temporary folder under /tmp, deleted at the end.
# Target: restore-doctor within 1.1x of curl alone (the hashing hidden inside the download).
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-2048}
RUNS=${2:-3}
command -v curl >/dev/null || { echo "bench/ipsw_get.sh: curl is needed for the peer" >&2; exit 2; }

WORK=$(mktemp -d /tmp/rd-ipsw-get.XXXXXX)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# RD_BIN=path skips the build (a release binary made earlier). The built binaries are copied
# at once: the shared target folder may be rebuilt by other work while the benchmark runs.
if [ -n "${RD_BIN:-}" ]; then
  cp "$RD_BIN" "$WORK/restore-doctor"
else
  cargo build --release -q -p restore-doctor
  cp "${CARGO_TARGET_DIR:-target}/release/restore-doctor" "$WORK/restore-doctor"
fi
cargo build --release -q -p rd-download --example range_server
cp "${CARGO_TARGET_DIR:-target}/release/examples/range_server" "$WORK/range_server"
BIN=$WORK/restore-doctor
SERVER=$WORK/range_server
"$BIN" ipsw get --help >/dev/null || { echo "bench/ipsw_get.sh: $BIN has no 'ipsw get'" >&2; exit 2; }

head -c $((MIB * 1024 * 1024)) /dev/urandom > "$WORK/file.ipsw"
"$SERVER" "$WORK/file.ipsw" > "$WORK/server.out" &
SRV_PID=$!
for _ in $(seq 1 100); do grep -q http "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
URL="$(cat "$WORK/server.out")file.ipsw"
mkdir -p "$WORK/out"

now() { date +%s.%N; }
best() { awk 'NR==1||$1<m{m=$1}END{printf "%.3f", m}'; }
: > "$WORK/curl.t"; : > "$WORK/curlhash.t"; : > "$WORK/rd.t"
for _ in $(seq 1 "$RUNS"); do
  t0=$(now); curl -s -o "$WORK/curl.bin" "$URL"; t1=$(now)
  SHA1=$(sha1sum "$WORK/curl.bin" | cut -d' ' -f1); SHA256=$(sha256sum "$WORK/curl.bin" | cut -d' ' -f1); t2=$(now)
  echo "$t1 - $t0" | bc >> "$WORK/curl.t"; echo "$t2 - $t0" | bc >> "$WORK/curlhash.t"
  rm -f "$WORK/curl.bin"
  t0=$(now)
  "$BIN" --no-history ipsw get iPhone10,4 --url "$URL" --sha1 "$SHA1" --sha256 "$SHA256" \
    --size $((MIB * 1024 * 1024)) --out "$WORK/out" --json > "$WORK/rd.json"
  t1=$(now)
  grep -q "\"sha256\": \"$SHA256\"" "$WORK/rd.json" || { cat "$WORK/rd.json" >&2; echo "not verified" >&2; exit 1; }
  echo "$t1 - $t0" | bc >> "$WORK/rd.t"
  rm -f "$WORK/out/file.ipsw"
done
CURL=$(best < "$WORK/curl.t"); CURLHASH=$(best < "$WORK/curlhash.t"); RD=$(best < "$WORK/rd.t")
echo "file: ${MIB} MiB over loopback, best of ${RUNS}"
echo "curl -o:                          ${CURL} s"
echo "curl -o + sha1sum + sha256sum:    ${CURLHASH} s"
echo "restore-doctor ipsw get (verified): ${RD} s"
awk -v r="$RD" -v c="$CURL" -v h="$CURLHASH" 'BEGIN{printf "ratio vs curl alone: %.2fx (target <= 1.1)\nratio vs curl + both hashes: %.2fx\n", r/c, r/h}'
