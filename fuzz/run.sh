#!/usr/bin/env bash
# Runs one or all fuzz targets with cargo-fuzz on the stable toolchain.
#   fuzz/run.sh                 # every target, 60 s each
#   fuzz/run.sh log_parser 600  # one target, 10 minutes
# cargo-fuzz passes -Z flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable compiler accept them.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
targets=${1:-$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v restore-doctor-fuzz)}
secs=${2:-60}
for t in $targets; do
  echo "== fuzzing $t for ${secs}s"
  mkdir -p "corpus/$t"
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048
done
