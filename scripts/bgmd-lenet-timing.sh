#!/bin/bash
# Time per round of bgmd against the full geometric median (and the mean, as the cost of the gradients alone) at the
# BGMD paper's model size: bgmd-fashion.conf with the LeNet (1 163 978 parameters), the paper's lr 0.01 without
# momentum, evaluation off, a few rounds per rule. Prints round_ms and aggregate_ms of metrics.csv per rule: the mean
# and the median over rounds 2..R (round 1 includes warm-up), and each run's wall time.
#
#   scripts/bgmd-lenet-timing.sh [--rounds 6] [--out results/bgmd-lenet-timing] [--rules "mean geometric-median bgmd"] \
#       [--set KEY=VALUE]...
# e.g. under the scaled attack at 20 %: --set fedactors.attack.name=scaled --set fedactors.workers.byzantine=6
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=6
out=results/bgmd-lenet-timing
rules="mean geometric-median bgmd"
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
dll=src/Host/bin/Release/net10.0/fedactors.dll
[ -f "$dll" ] || dotnet build src/Host -c Release
printf '| rule | rounds | round_ms mean (median) | aggregate_ms mean (median) | wall s |\n|---|---|---|---|---|\n'
for rule in $rules; do
  start=$(date +%s.%N)
  nice -n 19 dotnet "$dll" run hocon/experiments/bgmd-fashion.conf --out "$out/$rule" \
    --set fedactors.model.name=lenet --set fedactors.training.learning-rate=0.01 --set fedactors.training.momentum=0 \
    --set fedactors.eval.every=0 --set fedactors.rounds="$rounds" --set fedactors.aggregator.rule="$rule" \
    ${sets[@]+"${sets[@]}"} > "$out.$rule.log" 2>&1 || { echo "run $rule failed, see $out.$rule.log" >&2; exit 1; }
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  /usr/bin/python3 - "$out/$rule/metrics.csv" "$rule" "$rounds" "$wall" <<'PY'
import csv, statistics, sys
path, rule, rounds, wall = sys.argv[1:]
rows = list(csv.DictReader(open(path)))[1:]  # drop round 1 (warm-up)
r = [float(x["round_ms"]) for x in rows]
a = [float(x["aggregate_ms"]) for x in rows]
print(f"| {rule} | 2..{rounds} | {statistics.mean(r):.0f} ({statistics.median(r):.0f}) | "
      f"{statistics.mean(a):.0f} ({statistics.median(a):.0f}) | {float(wall):.0f} |")
PY
done
