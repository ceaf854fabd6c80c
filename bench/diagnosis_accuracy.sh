#!/usr/bin/env bash
# Accuracy of `restore-doctor log` on the labelled real-log corpus (corpus/real), reported for
# the tuned and the blind part separately: right / wrong / unknown, confidently wrong, per-family
# precision and recall, confusion matrix, hit rate per confidence level.
#
#   bench/diagnosis_accuracy.sh [--part tuned|blind|both] [--per-log]
#
# --per-log lists the TUNED logs one by one; blind logs are only ever shown in aggregate.
# Labels follow ../shared/docs/labelling.md; `unknown` labels are counted but not scored.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo run -q -p rd-logs --example diagnosis_accuracy -- --root "$ROOT/corpus/real" "$@"
