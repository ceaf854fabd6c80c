#!/usr/bin/env bash
# How well can anyone diagnose these logs from their text alone? Scores independent log-only
# readings of each corpus part (corpus/real/readings/reader-*.jsonl for tuned,
# blind-reader-*.jsonl for blind: each reader saw only the log text and labelling.md's family
# table, never the labels, the threads or our tool's answers) against the labels, which come
# from the whole thread, and prints restore-doctor's own score on the same logs beside them.
# Blind results are printed in aggregate only.
#
#   bench/log_only_ceiling.sh
#
# Needs: python3 (3.11+, for tomllib), cargo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
python3 - <<'PY'
import collections, glob, json, tomllib

labels = {}
for f in glob.glob("corpus/real/index/*.toml"):
    for e in tomllib.load(open(f, "rb")).get("log", []):
        labels["corpus/real/" + e["file"]] = e["label"]

def forced(r):
    """The reader's answer, or its first candidate when it named none."""
    return r["family"] if r["family"] != "undeterminable" else (r.get("candidates") or ["-"])[0]

def score(part, readers):
    print(f"== log-only readings of the {part} part (labels from the whole thread)")
    for name, rows in readers.items():
        n = len(rows)
        named = [r for r in rows if r["family"] != "undeterminable"]
        right = sum(r["family"] == labels[r["file"]] for r in named)
        among = sum(labels[r["file"]] in r.get("candidates", [])
                    for r in rows if r["family"] == "undeterminable")
        f = sum(forced(r) == labels[r["file"]] for r in rows)
        print(f"{name}: {n} logs; named {len(named)}, right {right}, wrong {len(named) - right}; "
              f"undeterminable {n - len(named)} (label among its candidates in {among})")
        by = collections.defaultdict(lambda: [0, 0])
        for r in named:
            by[r["confidence"]][0] += 1
            by[r["confidence"]][1] += r["family"] == labels[r["file"]]
        print("   right when named, by the reader's confidence: " +
              ", ".join(f"{c} {ok}/{g} ({100 * ok / g:.0f} %)" for c, (g, ok) in sorted(by.items())))
        print(f"   forced choice (first candidate when undeterminable): {f}/{n} ({100 * f / n:.1f} %)")
    if len(readers) == 2:
        a, b = readers.values()
        pairs = list(zip(a, b))
        assert all(x["file"] == y["file"] for x, y in pairs)
        agree = sum(forced(x) == forced(y) for x, y in pairs)
        either = sum(labels[x["file"]] in (forced(x), forced(y)) for x, y in pairs)
        print(f"the two readers' forced answers agree on {agree}/{len(pairs)}; the label is either "
              f"reader's forced answer on {either}/{len(pairs)} ({100 * either / len(pairs):.1f} %)")

# reader-*.jsonl read the tuned part, blind-reader-*.jsonl the blind part (aggregates only).
for part, pattern in [("tuned", "reader-*.jsonl"), ("blind", "blind-reader-*.jsonl")]:
    readers = {}
    for path in sorted(glob.glob("corpus/real/readings/" + pattern)):
        rows = [json.loads(l) for l in open(path)]
        assert all(r["file"].startswith(f"corpus/real/{part}/") for r in rows), path
        readers[path.rsplit("/", 1)[1][:-6]] = rows
    if readers:
        score(part, readers)
PY
echo "== restore-doctor on the same logs (in-sample: its rules were tuned on these) and on the blind part"
cargo run --release -q -p rd-logs --example diagnosis_accuracy -- --part both 2>/dev/null | grep -E "^(== |right )"
