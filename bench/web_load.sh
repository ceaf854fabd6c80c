#!/usr/bin/env bash
# The local web server under 32 concurrent 10 MB log uploads on loopback: are all answered, and
# what is the server's peak memory (VmHWM)? Target: peak <= 512 MB.
#
#   bench/web_load.sh [N] [SIZE_MB]      default: 32 uploads of 10 MB
#
# Peer in the same run: `restore-doctor log` diagnosing one such file alone (GNU time's maximum
# resident set size). N of those at once would need about N times that; the ratio printed is
# the server's peak over N x the peer's.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-32}
SIZE_MB=${2:-10}
SIZE=$((SIZE_MB * 1024 * 1024))
LOG=crates/logs/tests/fixtures/idr_tss_not_signed.log
[ -x /usr/bin/time ] || { echo "bench/web_load.sh: GNU time (/usr/bin/time) is needed for the peer" >&2; exit 2; }

cargo build --release -q -p restore-doctor
cargo build --release -q -p rd-web --example web_load
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/restore-doctor
LOAD=$TARGET/release/examples/web_load
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# The peer: one CLI diagnosis of the same 10 MB body.
python3 - "$LOG" "$SIZE" "$WORK/big.log" <<'PY'
import sys
seed = open(sys.argv[1], 'rb').read(); size = int(sys.argv[2])
data = (seed * (size // len(seed) + 1))[:size]
open(sys.argv[3], 'wb').write(data)
PY
/usr/bin/time -v "$BIN" log "$WORK/big.log" > /dev/null 2> "$WORK/peer.time"
peer_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/peer.time")

"$BIN" serve --port 0 > "$WORK/serve.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "serving on" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
ADDR=$(sed -n 's|.*serving on http://\([^/]*\)/.*|\1|p' "$WORK/serve.out")
[ -n "$ADDR" ] || { cat "$WORK/serve.out" >&2; exit 1; }
idle_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")

"$LOAD" "$ADDR" "$N" "$SIZE" "$LOG" | tee "$WORK/load.out"
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")

echo "server idle RSS        $((idle_kb / 1024)) MB"
echo "server peak (VmHWM)    $((peak_kb / 1024)) MB for $N x ${SIZE_MB} MB uploads (target <= 512 MB)"
echo "peer: restore-doctor log, one ${SIZE_MB} MB file: $((peer_kb / 1024)) MB max RSS"
awk -v p="$peak_kb" -v q="$peer_kb" -v n="$N" 'BEGIN { printf "ratio server peak / (%d x peer) = %.2f\n", n, p / (n * q) }'
ok=$(awk '/^status 200:/ {print $3}' "$WORK/load.out")
[ "${ok:-0}" -eq "$N" ] || { echo "bench/web_load.sh: not every upload was diagnosed" >&2; exit 1; }
[ "$peak_kb" -le $((512 * 1024)) ] || { echo "bench/web_load.sh: peak above 512 MB" >&2; exit 1; }
