#!/usr/bin/env bash
# Throughput and peak memory of restore-log diagnosis, compared in the same run with ripgrep
# counting the lines that hold the same marker set (`rg -c -i -F -f markers.txt`).
#
#   bench/log_scan.sh [sparse|dense|both] [SIZE_MB]      (default: both; 1024 MB sparse, 500 MB dense)
#
# sparse: a generated ~1 GB verbose restore log (idevicerestore -d debug lines, plist dumps,
#         device syslog lines; a marker line every ~40 lines; a baseband failure at the end).
# dense:  real logs repeated to SIZE_MB, so almost every line is one the diagnosis looks at:
#         corpus/real/tuned/*.log once it holds >= 20 logs, else the real Apple logs in
#         $REAL_LOGS (default ../shared/data/real_logs) plus crates/logs/tests/fixtures/*.log.
#         Never corpus/real/blind.
#
# Each tool runs $RUNS times (default 3) from a warm page cache; the best wall time is kept.
# Printed per run: wall time, GB/s, CPU seconds (user+sys), peak RSS (GNU time), load average.
#
# Needs: cargo, python3, ripgrep (`rg`), GNU time (`/usr/bin/time`). On Debian/Ubuntu:
#   apt-get install -y ripgrep time
set -euo pipefail

MODE="${1:-both}"
SIZE_ARG="${2:-}"
RUNS="${RUNS:-3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REAL_LOGS="${REAL_LOGS:-$ROOT/../shared/data/real_logs}"
WORK="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$WORK"
MARKERS="$WORK/markers.txt"
case "$MODE" in sparse|dense|both) ;; *) echo "usage: $0 [sparse|dense|both] [SIZE_MB]" >&2; exit 2 ;; esac

command -v rg >/dev/null || { echo "ripgrep (rg) is missing: apt-get install -y ripgrep" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install -y time" >&2; exit 2; }

echo "== building (release)"
(cd "$ROOT" && cargo build --release -q -p rd-logs --example log_scan)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/log_scan"
"$BIN" --markers > "$MARKERS"
echo "   $(wc -l < "$MARKERS") marker literals; $(nproc) cores"

make_sparse() { # path size_mb
python3 - "$1" "$2" <<'PY'
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
}

make_dense() { # path size_mb
    local tuned=("$ROOT"/corpus/real/tuned/*.log) seeds=()
    if [ -e "${tuned[0]}" ] && [ "${#tuned[@]}" -ge 20 ]; then
        seeds=("${tuned[@]}")
        echo "   seed: ${#tuned[@]} logs of corpus/real/tuned"
    else
        seeds=("$REAL_LOGS"/*/*.log "$ROOT"/crates/logs/tests/fixtures/*.log)
        echo "   seed: ${#seeds[@]} logs ($REAL_LOGS and crates/logs/tests/fixtures; corpus/real/tuned has ${#tuned[@]})"
    fi
    python3 - "$1" "$2" "${seeds[@]}" <<'PY'
import sys
path, size_mb, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
seed = b""
for f in files:
    b = open(f, "rb").read()
    seed += b if b.endswith(b"\n") else b + b"\n"
target = size_mb * 1000 * 1000
with open(path, "wb") as out:
    n = 0
    while n + len(seed) <= target:
        out.write(seed)
        n += len(seed)
PY
}

measure() { # label, command...  -> "wall cpu rss_kb" of the best (lowest wall) of $RUNS runs
    local label="$1"; shift
    local best=""
    for _ in $(seq "$RUNS"); do
        local out
        out=$( { /usr/bin/time -v "$@" > "$WORK/$label.out"; } 2>&1 )
        local row
        row=$(printf '%s\n' "$out" | awk -F': ' '
            /Elapsed \(wall clock\)/ {n=split($2,a,":"); w=(n==3)? a[1]*3600+a[2]*60+a[3] : a[1]*60+a[2]}
            /User time/ {u=$2} /System time/ {s=$2} /Maximum resident set size/ {r=$2}
            END {printf "%.3f %.2f %d\n", w, u+s, r}')
        if [ -z "$best" ] || awk -v a="${row%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then best="$row"; fi
    done
    echo "$best"
}

run_mode() { # mode size_mb
    local mode="$1" size="$2" log="$WORK/$1.log"
    echo "== $mode: generating ${size} MB in $WORK"
    if [ "$mode" = sparse ]; then make_sparse "$log" "$size"; else make_dense "$log" "$size"; fi
    local bytes; bytes=$(stat -c %s "$log")
    cat "$log" > /dev/null # warm the page cache so every tool reads from memory
    echo "   $bytes bytes, $(wc -l < "$log") lines; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    read -r RD_W RD_C RD_R < <(measure "$mode-rd" "$BIN" "$log")
    read -r SC_W SC_C SC_R < <(measure "$mode-scan" "$BIN" --count "$log")
    read -r RG_W RG_C RG_R < <(measure "$mode-rg" rg -c -i -F -f "$MARKERS" "$log")
    echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "   restore-doctor: $(cat "$WORK/$mode-rd.out")"
    echo "   scan only:      $(cat "$WORK/$mode-scan.out")"
    echo "   rg -c:          $(cat "$WORK/$mode-rg.out") matching lines"
    python3 - "$bytes" "$RD_W" "$RD_C" "$RD_R" "$SC_W" "$SC_C" "$SC_R" "$RG_W" "$RG_C" "$RG_R" <<'PY'
import sys
b = int(sys.argv[1]); v = [float(x) for x in sys.argv[2:]]
gb = b / 1e9
rows = [("restore-doctor log (diagnosis)", v[0:3]), ("scan only (log_scan --count)", v[3:6]),
        ("rg -c -i -F -f markers", v[6:9])]
for name, (w, c, r) in rows:
    w = max(w, 0.001)
    print(f"   {name:32s} {w:7.2f} s  {gb/w:5.2f} GB/s  cpu {c:6.2f} s  peak RSS {r/1024:7.1f} MB")
print(f"   ratio restore-doctor / rg (wall): {max(v[0],0.001)/max(v[6],0.001):.2f}x")
PY
}

if [ "$MODE" = sparse ] || [ "$MODE" = both ]; then run_mode sparse "${SIZE_ARG:-1024}"; fi
if [ "$MODE" = dense ] || [ "$MODE" = both ]; then run_mode dense "${SIZE_ARG:-500}"; fi
[ -n "${BENCH_DIR:-}" ] || rm -rf "$WORK"
