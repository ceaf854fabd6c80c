#!/usr/bin/env bash
# `restore-doctor error 4013` as a whole process (start-up, lookup, text output) against a
# baseline process that does nothing (/bin/true), timed in the same run, same way.
#
#   bench/error_lookup.sh [RUNS]      default 300 runs of each, interleaved
#
# Prints the median and p90 of each, the difference and the ratio. Target: median <= 5 ms.
# `restore-doctor --version` is shown too: it is the binary's bare start-up cost, so the gap
# between it and `error 4013` is what the lookup itself costs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-300}
command -v perl >/dev/null || { echo "bench/error_lookup.sh: perl is needed for timing" >&2; exit 2; }
cargo build --release -q -p restore-doctor
BIN=target/release/restore-doctor
"$BIN" error 4013 >/dev/null

perl -MTime::HiRes=time -e '
  my ($runs, $bin) = @ARGV;
  my @peers = (["restore-doctor error 4013", [$bin, "error", "4013"]],
               ["/bin/true (baseline)",      ["/bin/true"]],
               ["restore-doctor --version",  [$bin, "--version"]]);
  my %t;
  sub run1 { my @cmd = @_; my $pid = fork(); die "fork: $!" unless defined $pid;
    if ($pid == 0) { open(STDOUT, ">", "/dev/null"); exec(@cmd) or exit 127; }
    waitpid($pid, 0); die "$cmd[0] failed: $?" if $? != 0; }
  for my $i (1 .. $runs) {            # interleave so both see the same machine load
    for my $p (@peers) { my $s = time; run1(@{$p->[1]}); push @{$t{$p->[0]}}, (time - $s) * 1000; }
  }
  sub quant { my ($xs, $f) = @_; my @s = sort { $a <=> $b } @$xs; $s[int($f * $#s)] }
  my ($rd, $base) = map { $_->[0] } @peers;
  for my $name (map { $_->[0] } @peers) {
    printf "%-28s median %6.2f ms   p90 %6.2f ms   (%d runs)\n",
      $name, quant($t{$name}, 0.5), quant($t{$name}, 0.9), $runs;
  }
  my ($m, $b) = (quant($t{$rd}, 0.5), quant($t{$base}, 0.5));
  printf "difference of medians: %.2f ms; ratio restore-doctor / baseline: %.2f (target: median <= 5 ms)\n",
    $m - $b, $m / $b;
' "$RUNS" "$BIN"
