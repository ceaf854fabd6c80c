#!/usr/bin/env bash
# Throughput and peak memory of restore-log diagnosis on a ~1 GB realistic log, compared in the
# same run with ripgrep counting lines that hold the same marker set (`rg -c -i -F -f`).
#
#   bench/log_scan.sh [SIZE_MB]      (default 1024)
#
# Needs: cargo, python3, ripgrep (`rg`), GNU time (`/usr/bin/time`). On Debian/Ubuntu:
#   apt-get install -y ripgrep time
set -euo pipefail

SIZE_MB="${1:-1024}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$WORK"
LOG="$WORK/restore-big.log"
MARKERS="$WORK/markers.txt"

command -v rg >/dev/null || { echo "ripgrep (rg) is missing: apt-get install -y ripgrep" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install -y time" >&2; exit 2; }

echo "== building (release)"
(cd "$ROOT" && cargo build --release -q -p rd-logs --example log_scan)
BIN="$ROOT/target/release/examples/log_scan"
"$BIN" --markers > "$MARKERS"

echo "== generating a ${SIZE_MB} MB verbose restore log in $WORK"
python3 - "$LOG" "$SIZE_MB" <<'PY'
import random, sys
path, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(7)
# One block of a verbose (-d) idevicerestore run with the device log interleaved: debug lines,
# plist dumps, device syslog lines, and now and then a marker line (checkpoint, FDR chatter,
# operation), in the proportions seen in long real logs (a marker line every ~40 lines).
plain = [
    "DEBUG: restore.c:{n} restore_send_filesystem(): sending chunk {n} of 65536 bytes",
    "DEBUG: asr.c:{n} asr_send_payload(): sent {n} bytes, {m} left",
    "\t<key>FilesystemOffset</key>",
    "\t<integer>{n}</integer>",
    "\t<key>Digest</key>",
    "\t<data>q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vE=</data>",
    "[09:{m:02d}:{s:02d}.{n:04d}-GMT]{{3>5}} AppleSEPManager: got message 0x{n:x} from SEP",
    "[09:{m:02d}:{s:02d}.{n:04d}-GMT]{{3>5}} IOReturn 0x0 from AppleANS3NVMeController for block {n}",
    "[09:{m:02d}:{s:02d}.{n:04d}-GMT]{{3>5}} apfs_vfsop_mount:{n}: mounting volume with uuid {n:08x}-1c2d",
    "[09:{m:02d}:{s:02d}.{n:04d}-GMT]{{3>5}} launchd: service com.apple.xpc.{n} exited with 0",
    "common.c:printing {n} bytes plist:",
    "<dict>",
    "</dict>",
]
marked = [
    "FDR 0x600001df{n:04x} waiting for message...",
    "Checkpoint completed id: 0x60D (wait_for_storage) result=0",
    "[09:{m:02d}:{s:02d}.{n:04d}-GMT]{{3>5}} CHECKPOINT BEGIN: RESTORED:[0x0624] restore_images",
    "Restoring image (13)",
]
lines = []
for i in range(4000):
    n, m, s = random.randrange(1, 99999), random.randrange(60), random.randrange(60)
    src = marked if random.random() < 0.025 else plain
    lines.append(random.choice(src).format(n=n, m=m, s=s))
block = ("\n".join(lines) + "\n").encode()
head = b"idevicerestore 1.0.0-270-g405fcd1 (libirecovery 1.3.0, libtatsu 1.0.5)\nFound device in Recovery mode\nIdentified device as d101ap, iPhone9,3\nIPSW Product Version: 15.7.9\nIPSW Product Build: 19H365 Major: 19\nAbout to restore device...\n"
tail = b"Updating baseband (19)\nGot status message\nStatus: X-Gold Baseband Update Failed. Defective Unit?\nERROR: Unable to restore device\n"
target = size_mb * 1024 * 1024
with open(path, "wb") as f:
    f.write(head)
    written = len(head)
    while written + len(block) < target:
        f.write(block)
        written += len(block)
    f.write(tail)
PY
BYTES=$(stat -c %s "$LOG")
echo "   $BYTES bytes, $(wc -l < "$LOG") lines"

measure() { # label, command...  -> prints seconds and peak RSS (KB)
    local label="$1"; shift
    local out; out=$( { /usr/bin/time -v "$@" > "$WORK/$label.out"; } 2>&1 )
    local secs rss
    secs=$(printf '%s\n' "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {split($2,a,":"); if (length(a)==3) print a[1]*3600+a[2]*60+a[3]; else print a[1]*60+a[2]}')
    rss=$(printf '%s\n' "$out" | awk -F': ' '/Maximum resident set size/ {print $2}')
    echo "$secs $rss"
}

# Warm the page cache so both tools read from memory.
cat "$LOG" > /dev/null

read -r RD_S RD_RSS < <(measure restore-doctor "$BIN" "$LOG")
read -r RG_S RG_RSS < <(measure rg rg -c -i -F -f "$MARKERS" "$LOG")

echo "== results"
echo "   restore-doctor: $(cat "$WORK/restore-doctor.out")"
echo "   rg -c:          $(cat "$WORK/rg.out") matching lines ($(wc -l < "$MARKERS") markers)"
python3 - "$BYTES" "$RD_S" "$RD_RSS" "$RG_S" "$RG_RSS" <<'PY'
import sys
b, rd_s, rd_rss, rg_s, rg_rss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
gb = b / 1e9
rd_s = max(rd_s, 0.001); rg_s = max(rg_s, 0.001)
print(f"   restore-doctor log: {rd_s:6.2f} s  {gb/rd_s:5.2f} GB/s  peak RSS {rd_rss/1024:6.1f} MB")
print(f"   rg -c -i -F -f:     {rg_s:6.2f} s  {gb/rg_s:5.2f} GB/s  peak RSS {rg_rss/1024:6.1f} MB")
print(f"   ratio (restore-doctor time / rg time): {rd_s/rg_s:.2f}x")
PY
[ -n "${BENCH_DIR:-}" ] || rm -rf "$WORK"
