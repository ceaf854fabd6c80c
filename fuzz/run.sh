#!/usr/bin/env bash
# Runs one or all fuzz targets with cargo-fuzz on the stable toolchain and records, per target,
# how many inputs libFuzzer executed and whether it crashed.
#   fuzz/run.sh                 # every target, 60 s each
#   fuzz/run.sh log_parser 600  # one target, 10 minutes
#   fuzz/run.sh "a b" 20        # several targets
#   FUZZ_RUNS=10000000 FUZZ_SANITIZER=none fuzz/run.sh "" 7200
#                               # every target until 10 M executions (or 2 h), without ASan
# FUZZ_RUNS stops a target after that many executions; FUZZ_SANITIZER (default address) is passed
# to cargo-fuzz's --sanitizer. The workspace forbids `unsafe`, so ASan only watches dependencies'
# unsafe code; without it libFuzzer runs 4-5x more inputs per second and still catches every
# panic, overflow (debug assertions stay on), hang and out-of-memory.
# Each target ends with a line `Done <target>: N execs, C crashes`; the lines are also appended
# to fuzz/runs.log (with the date) when FUZZ_LOG is unset, else to $FUZZ_LOG.
# cargo-fuzz passes -Z flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable compiler accept them.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
targets=${1:-}
[ -n "$targets" ] || targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v restore-doctor-fuzz)
secs=${2:-60}
log=${FUZZ_LOG:-runs.log}
sanitizer=${FUZZ_SANITIZER:-address}
runs_arg=()
[ -z "${FUZZ_RUNS:-}" ] || runs_arg=("-runs=$FUZZ_RUNS")
failed=0
summary=()
for t in $targets; do
  echo "== fuzzing $t for ${secs}s"
  mkdir -p "corpus/$t"
  out=$(mktemp)
  status=0
  cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" -- -max_total_time="$secs" "${runs_arg[@]}" -rss_limit_mb=2048 -print_final_stats=1 \
    2>&1 | tee "$out" || status=$?
  # libFuzzer's closing line is "Done N runs in S second(s)"; its final stats name the count too.
  execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$out" | tail -1)
  [ -n "$execs" ] || execs=0
  crashes=0
  if [ "$status" -ne 0 ] || grep -q "^==[0-9]*== ERROR: libFuzzer\|^SUMMARY: libFuzzer\|panicked at" "$out"; then
    crashes=1
    failed=1
  fi
  rm -f "$out"
  line="Done $t: $execs execs, $crashes crashes"
  echo "$line"
  summary+=("$line")
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ${secs}s sanitizer=$sanitizer ${FUZZ_RUNS:+runs=$FUZZ_RUNS }$line" >> "$log"
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
