#!/usr/bin/env bash
# Host checkup wall time vs. its slowest probe, and vs. a sequential baseline (one curl per host).
# Everything runs against loopback fakes with injected per-host latency (no internet needed).
#
#   bench/checkup.sh [LATENCY_MS...]      default: 13 hosts, 150..1200 ms
#
# Prints: checkup wall time, slowest single probe, ratio (target <= 1.1), and curl's sequential sum.
set -euo pipefail
cd "$(dirname "$0")/.."
LAT=("$@")
if [ ${#LAT[@]} -eq 0 ]; then LAT=(150 200 250 300 350 400 500 600 700 800 900 1000 1200); fi
command -v curl >/dev/null || { echo "bench/checkup.sh: curl is needed for the baseline" >&2; exit 2; }

cargo build --release -q -p restore-doctor
cargo build --release -q -p rd-probe --example fake_apple
BIN=target/release/restore-doctor
FAKE=target/release/examples/fake_apple
WORK=$(mktemp -d)
exec 3> >("$FAKE" "$WORK" "${LAT[@]}" > "$WORK/fake.out")
FAKE_PID=$!
cleanup() { exec 3>&-; wait "$FAKE_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q READY "$WORK/fake.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/fake.out" || { echo "fakes did not start" >&2; exit 1; }

now() { date +%s.%N; }
# Sequential baseline: one curl per host, timing each (TLS handshake = the probe).
seq_start=$(now); slowest=0
while read -r host spec; do
  t=$(curl -s -o /dev/null -w '%{time_appconnect}' --max-time 10 --cacert "$WORK/ca.pem" \
        --connect-to "$spec" "https://$host/" || true)
  slowest=$(echo "$t $slowest" | awk '{print ($1>$2)?$1:$2}')
done < "$WORK/curl.list"
seq_end=$(now)

# The run being timed must be a healthy one (every check passes), or the ratio means nothing.
if ! "$BIN" checkup --config "$WORK/checkup.toml" --skip host.software > "$WORK/check.out"; then
  cat "$WORK/check.out" >&2; echo "bench/checkup.sh: the checkup did not pass against the fakes" >&2; exit 1
fi
grep -F "[✓] All ${#LAT[@]} Apple restore" "$WORK/check.out" >/dev/null || { cat "$WORK/check.out" >&2; exit 1; }

runs=5; best=999
for _ in $(seq 1 $runs); do
  s=$(now)
  "$BIN" checkup --config "$WORK/checkup.toml" --skip host.software >/dev/null || true
  e=$(now)
  w=$(echo "$s $e" | awk '{print $2-$1}')
  best=$(echo "$w $best" | awk '{print ($1<$2)?$1:$2}')
done
seq_total=$(echo "$seq_start $seq_end" | awk '{print $2-$1}')
echo "hosts: ${#LAT[@]}, injected latency ${LAT[0]}..${LAT[-1]} ms"
echo "restore-doctor checkup (all checks, concurrent), best of $runs: ${best}s"
echo "slowest single probe (curl TLS connect time):         ${slowest}s"
echo "curl, one host after another (sequential baseline):   ${seq_total}s"
awk -v w="$best" -v s="$slowest" -v q="$seq_total" 'BEGIN {
  printf "ratio wall / slowest probe: %.3f (target <= 1.1)\n", w/s;
  printf "speed-up vs sequential curl: %.1fx\n", q/w }'
